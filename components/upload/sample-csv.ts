/**
 * The sample CSV: real product photos that ship with the app (`public/samples/`), addressed on the
 * origin the dashboard was opened at, so a first try works with no internet and no set-up.
 */

const SAMPLE_PRODUCTS: [name: string, photos: string[]][] = [
  ["Ceramic mug", ["ceramic-mug.jpg"]],
  ["Linen shirt", ["linen-shirt.jpg"]],
  ["Running shoe", ["running-shoe.png"]],
  // Two photos in one cell, one of them used before: it is downloaded and compressed once.
  ["Desk lamp", ["desk-lamp.webp", "ceramic-mug.jpg"]],
];

export const SAMPLE_CSV_NAME = "sample-products.csv";

export function sampleCsv(origin: string): string {
  const rows = SAMPLE_PRODUCTS.map(
    ([name, photos], index) =>
      `${index + 1},${name},"${photos.map((photo) => `${origin}/samples/${photo}`).join(", ")}"`,
  );
  return ["S. No.,Product Name,Input Image Urls", ...rows].join("\r\n") + "\r\n";
}

export function sampleCsvFile(origin: string): File {
  return new File([sampleCsv(origin)], SAMPLE_CSV_NAME, { type: "text/csv" });
}
