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

export function matchColumn(header: string): InputColumn | null {
  const normalized = normalizeHeader(header);
  for (const [column, aliases] of Object.entries(headerAliases) as [InputColumn, string[]][]) {
    if (aliases.includes(normalized)) return column;
  }
  return null;
}
