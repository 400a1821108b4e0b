ALTER TABLE "images" ADD COLUMN "position" integer;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "image_positions" integer[];