/**
 * Product CSVs for tests, in the format sellers upload (see DESIGN: the three columns). One place
 * knows the header, so a test says only what its products are.
 */

export const PRODUCT_CSV_HEADER = "S. No.,Product Name,Input Image Urls";

/** A product: its name, then its image URLs. */
export type ProductLine = [name: string, ...urls: string[]];

/** A CSV of `products`, numbered from 1, image URLs of a product in one cell. */
export function productCsv(...products: ProductLine[]): string {
  const rows = products.map(([name, ...urls], index) => `${index + 1},${cell(name)},${cell(urls.join(","))}`);
  return `${PRODUCT_CSV_HEADER}\n${rows.join("\n")}\n`;
}

/** A cell as CSV writes it: quoted when it holds a comma, a quote or a line break. */
function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
