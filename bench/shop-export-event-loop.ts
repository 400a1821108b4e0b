import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { CsvUpload } from "../lib/csv/csv-upload";
import { outputCsvText } from "../lib/csv/output-csv-text";
import { readImageUrl } from "../lib/csv/image-urls";

/**
 * How long a 10,000-row Shopify export holds the event loop at once: while an upload of it is read
 * (64 KB pieces, other work let in between, as the upload route does) and while its output CSV is
 * written (a slice at a time). Prints the longest single stretch and the event-loop delay's p99 and
 * maximum. `node --import tsx bench/shop-export-event-loop.ts`
 */

const ROWS = 10_000;
const ROWS_PER_PRODUCT = 4;

function shopifyFile(): { text: string; urls: string[] } {
  const header =
    "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Price,Image Src,Image Position,Image Alt Text,Variant Image,Status";
  const lines = [header];
  const urls: string[] = [];
  for (let row = 0; row < ROWS; row++) {
    const product = Math.floor(row / ROWS_PER_PRODUCT);
    const first = row % ROWS_PER_PRODUCT === 0;
    const image = `https://cdn.shopify.com/s/files/1/0000/0001/products/p${product}-${row % ROWS_PER_PRODUCT}.jpg?v=1700000000`;
    urls.push(image);
    const body = first ? `"<p>Product ${product}, soft ""organic"" cotton.</p>\n<ul><li>Care, fit</li></ul>"` : "";
    lines.push(
      [
        `product-${product}`,
        first ? `Product ${product}` : "",
        body,
        first ? "Acme" : "",
        first ? "Shirt" : "",
        first ? '"cotton, summer"' : "",
        first ? "TRUE" : "",
        "Size",
        ["S", "M", "L", "XL"][row % 4],
        `SKU-${row}`,
        "19.00",
        image,
        String((row % ROWS_PER_PRODUCT) + 1),
        "",
        image,
        first ? "active" : "",
      ].join(","),
    );
  }
  return { text: `${lines.join("\n")}\n`, urls };
}

/** Runs `work`, which times each synchronous stretch with `timed`, and prints what held the loop. */
async function measure(name: string, work: (timed: <T>(step: () => T) => T) => Promise<void>) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const stretches: number[] = [];
  const timed = <T>(step: () => T): T => {
    const start = performance.now();
    const result = step();
    stretches.push(performance.now() - start);
    return result;
  };
  const started = performance.now();
  delay.enable();
  await work(timed);
  delay.disable();
  const total = performance.now() - started;
  const longest = Math.max(...stretches);
  const ms = (nanoseconds: number) => (nanoseconds / 1e6).toFixed(1);
  console.log(
    `${name}: ${total.toFixed(0)} ms in all; longest stretch ${longest.toFixed(1)} ms; event-loop delay p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms`,
  );
}

const { text, urls } = shopifyFile();
const bytes = Buffer.from(text, "utf8");
console.log(`${ROWS.toLocaleString("en-US")}-row Shopify export, ${(bytes.length / 1e6).toFixed(1)} MB`);

await measure("reading the upload", async (timed) => {
  const upload = new CsvUpload({
    maxBytes: 10 * 1024 * 1024,
    maxRows: ROWS,
    maxUrlsPerRow: 50,
    maxImages: 50_000,
    maxProductNameLength: 500,
  });
  for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
    timed(() => upload.push(bytes.subarray(offset, offset + 64 * 1024)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const csv = timed(() => upload.end());
  if (csv.errorCount > 0 || csv.products.length !== ROWS / ROWS_PER_PRODUCT) throw new Error("unexpected read");
});

await measure("writing the output CSV", async (timed) => {
  const outputs = new Map<string, string | null>();
  urls.forEach((url, index) => {
    const verdict = readImageUrl(url);
    if ("canonical" in verdict) outputs.set(verdict.canonical, `https://files.example/images/f/${index}.jpg`);
  });
  const layout = { kind: "shopify" as const, ids: [0], name: 1, images: [11, 14] };
  const writer = outputCsvText(text, layout, outputs);
  let written = 0;
  // Each step of the writer runs synchronously up to its next pause.
  for (let next = await timed(() => writer.next()); !next.done; next = await timed(() => writer.next()))
    written += next.value.length;
  if (written < text.length / 2) throw new Error("output far shorter than its input");
});
