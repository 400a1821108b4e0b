-- Images are numbered within their request in the order they were stored (the order of first
-- appearance in the CSV); each product names its images by those numbers instead of their URLs.
UPDATE "images" AS "image"
SET "position" = "numbered"."position"
FROM (
  SELECT "id", (row_number() OVER (PARTITION BY "request_id" ORDER BY "id") - 1)::integer AS "position"
  FROM "images"
) AS "numbered"
WHERE "numbered"."id" = "image"."id";
--> statement-breakpoint
UPDATE "products" AS "product"
SET "image_positions" = (
  SELECT coalesce(array_agg("image"."position" ORDER BY "url"."ordinality"), '{}')
  FROM jsonb_array_elements_text("product"."image_urls") WITH ORDINALITY AS "url"("value", "ordinality")
  JOIN "images" AS "image" ON "image"."request_id" = "product"."request_id" AND "image"."url" = "url"."value"
);
