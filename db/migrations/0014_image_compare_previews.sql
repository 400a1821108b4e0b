ALTER TABLE "images" ADD COLUMN "output_thumbnail_key" text;--> statement-breakpoint
ALTER TABLE "images" ADD COLUMN "original_preview_key" text;