/** The columns of the product CSV, as a seller's spreadsheet names them. */
export const COLUMNS = {
  serialNumber: "S. No.",
  productName: "Product Name",
  inputUrls: "Input Image Urls",
  outputUrls: "Output Image Urls",
} as const;

export type InputColumn = "serialNumber" | "productName" | "inputUrls";

/** Case, spaces, dots, dashes and underscores do not matter: `S. No.`, `s.no`, `Serial_Number` are one column. */
export function normalizeHeader(header: string): string {
  return header.toLowerCase().replace(/[\s._\-#:]+/g, "");
}

const headerAliases: Record<InputColumn, string[]> = {
  serialNumber: ["sno", "serialno", "serialnumber", "srno", "slno", "serial", "no", "number"],
  productName: ["productname", "product", "name", "producttitle", "title"],
  inputUrls: ["inputimageurls", "inputimageurl", "imageurls", "imageurl", "inputurls", "images", "urls"],
};

/**
 * Where each input column is in a header row. A column named as the template names it wins over a
 * looser alias: in `S. No., Name, Product Name, …` the product name is `Product Name`, not `Name`.
 */
export function locateColumns(header: string[]): Map<InputColumn, number> {
  const normalized = header.map(normalizeHeader);
  const positions = new Map<InputColumn, number>();
  for (const [column, aliases] of Object.entries(headerAliases) as [InputColumn, string[]][]) {
    for (const alias of aliases) {
      const index = normalized.indexOf(alias);
      if (index !== -1) {
        positions.set(column, index);
        break;
      }
    }
  }
  return positions;
}
