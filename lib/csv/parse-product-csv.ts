import Papa from "papaparse";
import { COLUMNS, type InputColumn, locateColumns } from "./columns";
import { canonicalImageUrl, problemWithImageUrl, splitImageUrls } from "./image-urls";

/**
 * Reads and validates a product CSV. Pure: the server validates uploads with it and the dashboard
 * previews a file with it before upload, so both report the same problems.
 */

export type CsvLimits = { maxRows: number; maxUrlsPerRow: number };

/** `row` as a spreadsheet shows it: the header is row 1, the first product row 2. */
export type CsvProblem = { row: number | null; column: string | null; message: string };

export type ProductRow = {
  rowNumber: number;
  serialNumber: string;
  productName: string;
  /** The cell as the seller wrote it; echoed unchanged in the output CSV. */
  inputUrlsCell: string;
  imageUrls: string[];
};

export type ParsedProductCsv = {
  products: ProductRow[];
  errors: CsvProblem[];
  /** All problems found; `errors` holds at most `MAX_REPORTED_PROBLEMS` of them. */
  errorCount: number;
  imageCount: number;
  uniqueImageCount: number;
};

export const MAX_REPORTED_PROBLEMS = 100;

export function parseProductCsv(text: string, limits: CsvLimits): ParsedProductCsv {
  const problems = new ProblemList();
  const products: ProductRow[] = [];
  const finish = (): ParsedProductCsv => {
    const all = products.flatMap((product) => product.imageUrls);
    return {
      products,
      errors: problems.items,
      errorCount: problems.count,
      imageCount: all.length,
      uniqueImageCount: new Set(all.filter((url) => !problemWithImageUrl(url)).map(canonicalImageUrl)).size,
    };
  };

  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") {
    problems.add(null, null, "The file is empty. Upload a CSV with a header row and at least one product.");
    return finish();
  }

  const parsed = Papa.parse<string[]>(body, { delimitersToGuess: [",", ";", "\t"], skipEmptyLines: false });
  for (const error of parsed.errors) {
    if (error.code === "UndetectableDelimiter") continue;
    problems.add(typeof error.row === "number" ? error.row + 1 : null, null, describeParseError(error));
  }
  const records = parsed.data;

  const header = records[0] ?? [];
  const positions = locateColumns(header);
  const missing = (Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]).filter(
    (column): column is InputColumn => column !== "outputUrls" && !positions.has(column as InputColumn),
  );
  for (const column of missing) {
    problems.add(
      1,
      COLUMNS[column],
      `Missing column "${COLUMNS[column]}". The header row must name ${describeColumns()}; found ${describeFound(header)}.`,
    );
  }
  if (missing.length > 0) return finish();

  const cell = (record: string[], column: InputColumn) => (record[positions.get(column)!] ?? "").trim();
  let productRows = 0;
  for (let index = 1; index < records.length; index++) {
    const record = records[index];
    if (record.every((value) => value.trim() === "")) continue;
    const rowNumber = index + 1;
    productRows++;
    if (productRows > limits.maxRows) {
      problems.add(
        rowNumber,
        null,
        `Too many products: the limit is ${limits.maxRows} rows per file. Split the file and upload the parts.`,
      );
      break;
    }

    const serialNumber = normalizeSerialNumber(cell(record, "serialNumber"));
    if (serialNumber === "") problems.add(rowNumber, COLUMNS.serialNumber, "S. No. is empty.");
    else if (serialNumber === null)
      problems.add(
        rowNumber,
        COLUMNS.serialNumber,
        `S. No. must be a whole number such as 1 (found "${cell(record, "serialNumber")}").`,
      );

    const productName = cell(record, "productName");
    if (productName === "") problems.add(rowNumber, COLUMNS.productName, "Product Name is empty.");

    const inputUrlsCell = cell(record, "inputUrls");
    const imageUrls = splitImageUrls(inputUrlsCell);
    if (imageUrls.length === 0)
      problems.add(rowNumber, COLUMNS.inputUrls, "Input Image Urls is empty: list at least one image URL.");
    if (imageUrls.length > limits.maxUrlsPerRow) {
      problems.add(
        rowNumber,
        COLUMNS.inputUrls,
        `${imageUrls.length} image URLs in one row; the limit is ${limits.maxUrlsPerRow}.`,
      );
    }
    for (const url of imageUrls) {
      const problem = problemWithImageUrl(url);
      if (problem) problems.add(rowNumber, COLUMNS.inputUrls, problem);
    }

    products.push({ rowNumber, serialNumber: serialNumber ?? "", productName, inputUrlsCell, imageUrls });
  }

  if (productRows === 0 && problems.count === 0) {
    problems.add(null, null, "The CSV has a header row but no products. Add one row per product below the header.");
  }
  return finish();
}

/** Spreadsheets write serial numbers as `1`, `1.` or `1.0`; all mean product 1. Returns null when it is not a whole number. */
export function normalizeSerialNumber(value: string): string | null {
  if (value === "") return "";
  const match = /^(\d+)(?:\.0*)?$/.exec(value);
  // As text: a long serial must not lose digits to floating point.
  return match ? match[1].replace(/^0+(?=\d)/, "") : null;
}

class ProblemList {
  readonly items: CsvProblem[] = [];
  count = 0;

  add(row: number | null, column: string | null, message: string) {
    this.count++;
    if (this.items.length < MAX_REPORTED_PROBLEMS) this.items.push({ row, column, message });
  }
}

function describeParseError(error: Papa.ParseError): string {
  switch (error.code) {
    case "MissingQuotes":
      return 'A quoted cell is never closed: a " is missing.';
    case "InvalidQuotes":
      return 'A cell has a stray " inside it; write a quote inside a quoted cell as "".';
    case "TooManyFields":
    case "TooFewFields":
      return "This row has a different number of cells than the header.";
    default:
      return error.message;
  }
}

function describeColumns(): string {
  return `"${COLUMNS.serialNumber}", "${COLUMNS.productName}" and "${COLUMNS.inputUrls}"`;
}

function describeFound(header: string[]): string {
  const names = header.map((name) => name.trim()).filter(Boolean);
  return names.length ? names.map((name) => `"${name}"`).join(", ") : "no column names";
}
