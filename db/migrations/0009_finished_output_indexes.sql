DROP INDEX "images_output_fingerprint_idx";--> statement-breakpoint
DROP INDEX "images_url_idx";--> statement-breakpoint
CREATE INDEX "images_output_fingerprint_idx" ON "images" USING btree ("output_fingerprint") WHERE "images"."status" = 'completed' and "images"."output_key" is not null;--> statement-breakpoint
CREATE INDEX "images_url_idx" ON "images" USING hash ("url") WHERE "images"."status" = 'completed' and "images"."output_key" is not null;