/** Builds product CSVs for specs, quoted the way a spreadsheet writes them. */

export type CsvProduct = { serialNumber: string | number; productName: string; imageUrls: string[] };

export const INPUT_HEADER = ["S. No.", "Product Name", "Input Image Urls"];

export function productCsv(products: CsvProduct[], header: string[] = INPUT_HEADER): string {
  const rows = products.map((product) => [
    String(product.serialNumber),
    product.productName,
    product.imageUrls.join(","),
  ]);
  return [header, ...rows].map((row) => row.map(quote).join(",")).join("\r\n") + "\r\n";
}

export function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
