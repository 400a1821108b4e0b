import type { ParsedProductCsv } from "@/lib/csv/parse-product-csv";
import { formatCount, plural } from "@/lib/format";
import { CheckIcon, WarningIcon } from "@/components/ui/icons";
import { ProblemList } from "@/components/ui/problem-list";

const SAMPLE_ROWS = 5;

const LAYOUT_NOTES = {
  shopify:
    "Read as a Shopify product export: products by Handle, images from Image Src and Variant Image. You get the same file back with each image URL replaced by its compressed copy.",
  woocommerce:
    "Read as a WooCommerce product export: products by ID or SKU, images from Images. You get the same file back with each image URL replaced by its compressed copy.",
  mapped:
    "Read with the columns you chose. You get the same file back with each image URL replaced by its compressed copy.",
} as const;

/** What the chosen CSV holds, read in the browser before anything is uploaded. */
export function CsvPreview({ csv }: { csv: ParsedProductCsv }) {
  const sample = csv.products.slice(0, SAMPLE_ROWS);
  return (
    <div data-testid="csv-preview" className="space-y-4">
      {csv.layout && csv.layout.kind !== "template" ? (
        <p data-testid="preview-layout" data-layout={csv.layout.kind} className="text-sm text-slate-600">
          {LAYOUT_NOTES[csv.layout.kind]}
        </p>
      ) : null}
      <dl className="grid grid-cols-3 gap-2 sm:gap-3">
        <Stat label="Products" value={csv.products.length} testId="preview-products" />
        <Stat label="Images" value={csv.imageCount} testId="preview-images" />
        <Stat label="Distinct images" value={csv.uniqueImageCount} testId="preview-unique-images" />
      </dl>

      {csv.errorCount > 0 ? (
        <section aria-labelledby="preview-problems-title" className="space-y-2">
          <h3 id="preview-problems-title" className="flex items-center gap-2 text-sm font-semibold text-rose-800">
            <WarningIcon />
            {plural(csv.errorCount, "problem")} found — the server would reject this file
          </h3>
          <ProblemList problems={csv.errors} total={csv.errorCount} testId="preview-problems" />
        </section>
      ) : (
        <p
          data-testid="preview-ok"
          className="flex items-center gap-2 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-emerald-600/20 ring-inset"
        >
          <CheckIcon />
          No problems found.{" "}
          {csv.uniqueImageCount < csv.imageCount
            ? `Repeated URLs are downloaded once (${formatCount(csv.imageCount - csv.uniqueImageCount)} repeats).`
            : "Ready to upload."}
        </p>
      )}

      {sample.length > 0 ? (
        <div className="overflow-hidden rounded-lg border border-slate-200">
          <table className="w-full table-fixed text-left text-sm">
            <caption className="sr-only">First products in the file</caption>
            <thead className="bg-slate-50 text-xs font-medium text-slate-500 uppercase">
              <tr>
                <th scope="col" className="w-14 px-3 py-2">
                  Row
                </th>
                <th scope="col" className="hidden w-16 px-3 py-2 sm:table-cell">
                  S. No.
                </th>
                <th scope="col" className="px-3 py-2">
                  Product
                </th>
                <th scope="col" className="w-[4.5rem] px-3 py-2 text-right">
                  Images
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {sample.map((product) => (
                <tr key={product.rowNumber}>
                  <td className="px-3 py-2 text-slate-500 tabular-nums">{product.rowNumber}</td>
                  <td className="hidden px-3 py-2 tabular-nums sm:table-cell">{product.serialNumber || "—"}</td>
                  <td className="px-3 py-2">
                    <div className="truncate font-medium" title={product.productName}>
                      {product.productName || <span className="text-rose-700">(no name)</span>}
                    </div>
                    {product.imageUrls[0] ? (
                      <div className="truncate text-xs text-slate-500" title={product.imageUrls.join("\n")}>
                        {product.imageUrls[0]}
                      </div>
                    ) : null}
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{product.imageUrls.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {csv.products.length > sample.length ? (
            <p className="border-t border-slate-100 bg-slate-50 px-3 py-2 text-xs text-slate-500">
              …and {plural(csv.products.length - sample.length, "more product")}.
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="rounded-lg bg-slate-50 px-3 py-2 ring-1 ring-slate-200 ring-inset">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd data-testid={testId} className="text-lg font-semibold tabular-nums sm:text-xl">
        {formatCount(value)}
      </dd>
    </div>
  );
}
