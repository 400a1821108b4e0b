DROP INDEX "images_request_url_idx";--> statement-breakpoint
DROP INDEX "images_unfinished_idx";--> statement-breakpoint
ALTER TABLE "images" ALTER COLUMN "position" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "products" ALTER COLUMN "image_positions" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "images_request_position_idx" ON "images" USING btree ("request_id","position");--> statement-breakpoint
ALTER TABLE "products" DROP COLUMN "image_urls";