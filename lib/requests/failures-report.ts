import "server-only";
import type { ProductImage } from "@/db/product-images";
import type { RequestRow } from "@/db/schema";
import type { Client } from "@/lib/auth/identify-client";
import { COLUMNS } from "@/lib/csv/columns";
import { formatCsvRow } from "@/lib/csv/write-csv";
import { failuresCsvFileName } from "@/lib/storage/keys";
import { findFinishedRequest } from "./finished-request";
import { productImagePages } from "./product-image-pages";

/** The report's columns: where the image is in the seller's file, and why it failed. */
export const FAILURES_COLUMNS = [
  "Row",
  COLUMNS.serialNumber,
  COLUMNS.productName,
  "Input Image Url",
  "Reason",
  "Attempts",
] as const;

/**
 * The failures report of a finished request: one line per place a failed image holds in the seller's
 * file (an image used in two rows is named at both), in row order. Cells are written as in the output
 * CSV, formulas neutralised: the URLs and names are the uploader's text.
 */
export async function openFailuresReport(
  client: Client,
  requestId: string,
): Promise<{ fileName: string; body: ReadableStream<Uint8Array> }> {
  const request = await findFinishedRequest(client, requestId, "the failures report");
  return { fileName: failuresCsvFileName(request.fileName), body: streamFailures(request) };
}

function streamFailures(request: RequestRow): ReadableStream<Uint8Array> {
  // No failed image: the header alone, without reading the products.
  const pages = request.failedImages > 0 ? productImagePages(request, "failed") : null;
  const encoder = new TextEncoder();
  let headerSent = false;
  // Pulled: the next page is read from the database only when the client has taken the last one.
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(formatCsvRow([...FAILURES_COLUMNS])));
        return;
      }
      const next = await pages?.next();
      if (!next || next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value.map(failureRow).join("")));
    },
    async cancel() {
      await pages?.return(undefined);
    },
  });
}

function failureRow(image: ProductImage): string {
  return formatCsvRow([
    String(image.imageRow),
    image.serialNumber,
    image.productName,
    image.url,
    image.error ?? "the image could not be processed",
    String(image.attempts),
  ]);
}
