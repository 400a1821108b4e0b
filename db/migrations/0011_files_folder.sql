ALTER TABLE "requests" ADD COLUMN "files_id" text DEFAULT gen_random_uuid()::text NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "requests_files_id_idx" ON "requests" USING btree ("files_id");