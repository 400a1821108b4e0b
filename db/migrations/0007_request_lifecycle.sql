ALTER TYPE "public"."image_status" ADD VALUE 'cancelled';--> statement-breakpoint
ALTER TYPE "public"."request_status" ADD VALUE 'cancelled';--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "cancelled_images" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "requests_completed_at_idx" ON "requests" USING btree ("completed_at");