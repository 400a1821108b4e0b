ALTER TABLE "images" ADD COLUMN "reused" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "images" ADD COLUMN "output_fingerprint" text;--> statement-breakpoint
ALTER TABLE "images" ADD COLUMN "source_etag" text;--> statement-breakpoint
ALTER TABLE "images" ADD COLUMN "source_last_modified" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "output_format" text DEFAULT 'keep' NOT NULL;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "max_width" integer;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "max_height" integer;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "reused_images" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "images_output_fingerprint_idx" ON "images" USING btree ("output_fingerprint");--> statement-breakpoint
CREATE INDEX "images_url_idx" ON "images" USING hash ("url");