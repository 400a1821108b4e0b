import "server-only";
import { findImagesByPosition } from "@/db/images";
import { listProducts } from "@/db/requests";
import { COLUMNS } from "@/lib/csv/columns";
import { formatCsvRow } from "@/lib/csv/write-csv";
import { getStorage } from "@/lib/storage/get-storage";
import { outputUrlOf } from "./output-url";

const PAGE = 1000;

/**
 * The output CSV: the input columns plus `Output Image Urls`, one row per input row in input order.
 * Output URLs follow the input URLs' order; a failed image leaves its place empty so the others
 * never shift. Read from the database a page of products at a time.
 */
export async function buildOutputCsv(requestId: string): Promise<string> {
  const storage = await getStorage();
  const lines = [formatCsvRow([COLUMNS.serialNumber, COLUMNS.productName, COLUMNS.inputUrls, COLUMNS.outputUrls])];
  for (let offset = 0; ; offset += PAGE) {
    const rows = await listProducts({ requestId, limit: PAGE, offset });
    if (rows.length === 0) break;
    const imagesByPosition = await findImagesByPosition({
      requestId,
      positions: rows.flatMap((row) => row.imagePositions),
    });
    for (const row of rows) {
      const outputUrls = await Promise.all(
        row.imagePositions.map((position) => outputUrlOf(imagesByPosition.get(position), storage)),
      );
      lines.push(
        formatCsvRow([
          row.serialNumber,
          row.productName,
          row.inputUrlsCell,
          outputUrls.map((url) => url ?? "").join(", "),
        ]),
      );
    }
    if (rows.length < PAGE) break;
  }
  return lines.join("");
}
