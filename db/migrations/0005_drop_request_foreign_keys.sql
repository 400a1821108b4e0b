ALTER TABLE "images" DROP CONSTRAINT "images_request_id_requests_id_fk";
--> statement-breakpoint
ALTER TABLE "products" DROP CONSTRAINT "products_request_id_requests_id_fk";
