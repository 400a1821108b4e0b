CREATE TYPE "public"."image_status" AS ENUM('pending', 'processing', 'completed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."request_status" AS ENUM('processing', 'completed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."webhook_status" AS ENUM('pending', 'delivered', 'failed');--> statement-breakpoint
CREATE TABLE "images" (
	"id" serial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"url" text NOT NULL,
	"status" "image_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"output_key" text,
	"format" text,
	"width" integer,
	"height" integer,
	"bytes_in" integer,
	"bytes_out" integer,
	"optimized" boolean,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products" (
	"id" serial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"position" integer NOT NULL,
	"row_number" integer NOT NULL,
	"serial_number" text NOT NULL,
	"product_name" text NOT NULL,
	"input_urls_cell" text NOT NULL,
	"image_urls" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" text PRIMARY KEY NOT NULL,
	"status" "request_status" DEFAULT 'processing' NOT NULL,
	"file_name" text NOT NULL,
	"input_csv_key" text NOT NULL,
	"input_csv_url" text NOT NULL,
	"output_csv_key" text,
	"quality" integer NOT NULL,
	"total_products" integer NOT NULL,
	"total_images" integer NOT NULL,
	"processed_images" integer DEFAULT 0 NOT NULL,
	"failed_images" integer DEFAULT 0 NOT NULL,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	"error" text,
	"webhook_url" text,
	"webhook_status" "webhook_status",
	"webhook_attempts" integer DEFAULT 0 NOT NULL,
	"webhook_last_error" text,
	"webhook_delivered_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "images_request_url_idx" ON "images" USING btree ("request_id","url");--> statement-breakpoint
CREATE INDEX "images_unfinished_idx" ON "images" USING btree ("request_id") WHERE "images"."status" in ('pending', 'processing');--> statement-breakpoint
CREATE UNIQUE INDEX "products_request_position_idx" ON "products" USING btree ("request_id","position");--> statement-breakpoint
CREATE INDEX "requests_created_at_idx" ON "requests" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "requests_status_idx" ON "requests" USING btree ("status");