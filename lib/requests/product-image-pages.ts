import "server-only";
import { listProductImages, type ProductImage } from "@/db/product-images";
import type { RequestRow } from "@/db/schema";
import { config } from "@/lib/config";

/** Image places read per statement at most: a page is a few thousand small rows, whatever the request. */
const PAGE_IMAGES = 5_000;

/**
 * A finished request's images in one state, a page at a time in row order, read only when the
 * caller asks for the next page: a client that reads slowly (or goes away) holds one page, not the
 * request.
 */
export async function* productImagePages(
  request: Pick<RequestRow, "id" | "totalProducts">,
  status: "completed" | "failed",
): AsyncGenerator<ProductImage[]> {
  const productsPerPage = Math.max(1, Math.floor(PAGE_IMAGES / config.csv.maxUrlsPerRow));
  for (let from = 0; from < request.totalProducts; from += productsPerPage) {
    const page = await listProductImages({
      requestId: request.id,
      status,
      fromPosition: from,
      toPosition: from + productsPerPage,
    });
    if (page.length > 0) yield page;
  }
}
