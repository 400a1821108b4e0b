import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "./client";
import type { IMAGE_STATUSES } from "./enums";
import { rowsOf } from "./raw-sql";
import { images, products } from "./schema";

/**
 * A request's images as its rows list them: one entry per place an image holds in a row, so an
 * image used in two rows (or twice in one) appears at each place. What the failures report and the
 * images ZIP are written from.
 */
export type ProductImage = {
  productPosition: number;
  /** The product's first row. */
  rowNumber: number;
  /** The row this image is on: a Shopify product's images may be on its later rows. */
  imageRow: number;
  serialNumber: string;
  productName: string;
  /** 1 for the row's first URL: the image's place in its row, failed or not. */
  placeInRow: number;
  url: string;
  error: string | null;
  attempts: number;
  outputKey: string | null;
};

/**
 * The images in one state of the products at positions `fromPosition` up to (not including)
 * `toPosition`, in the order of the rows they are on, and then in each row's URL order. Callers page
 * through a request by product positions, so a page is bounded by the products it covers and their
 * URLs per row.
 */
export async function listProductImages({
  requestId,
  status,
  fromPosition,
  toPosition,
}: {
  requestId: string;
  status: (typeof IMAGE_STATUSES)[number];
  fromPosition: number;
  toPosition: number;
}): Promise<ProductImage[]> {
  const db = await getDb();
  return rowsOf<ProductImage>(
    await db.execute(sql`
      select product.position as "productPosition", product.row_number as "rowNumber",
        product.serial_number as "serialNumber", product.product_name as "productName",
        coalesce(place.image_row, product.row_number) as "imageRow",
        place.ordinality::int4 as "placeInRow", image.url, image.error, image.attempts,
        image.output_key as "outputKey"
      from ${products} as product
      cross join lateral unnest(product.image_positions, product.image_rows)
        with ordinality as place(image_position, image_row, ordinality)
      join ${images} as image on image.request_id = product.request_id and image.position = place.image_position
      where product.request_id = ${requestId}
        and product.position >= ${fromPosition} and product.position < ${toPosition}
        and image.status = ${status}
      order by coalesce(place.image_row, product.row_number), product.position, place.ordinality`),
  );
}
