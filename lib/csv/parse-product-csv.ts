import { COLUMNS } from "./columns";
import { type ColumnMapping, type CsvLayout, findLayout, isReimportLayout } from "./csv-layout";
import { readImageUrl, splitImageUrls } from "./image-urls";
import { type CsvFormat, type CsvQuoteProblem, splitCsvRecords } from "./split-csv-records";

/**
 * Reads and validates a product CSV. Pure: the server validates uploads with it as the bytes arrive,
 * and the dashboard previews a file with it before upload, so both report the same problems.
 */

export type CsvLimits = {
  maxRows: number;
  maxUrlsPerRow: number;
  /** Image URLs in the whole file: each one is downloaded, so this caps the work one upload starts. */
  maxImages: number;
  maxProductNameLength: number;
};

/** `row` as a spreadsheet shows it: the header is row 1, the first product row 2. */
export type CsvProblem = { row: number | null; column: string | null; message: string };

export type ProductRow = {
  rowNumber: number;
  serialNumber: string;
  productName: string;
  /** The cell as the seller wrote it; echoed unchanged in the output CSV. */
  inputUrlsCell: string;
  imageUrls: string[];
  /** Each URL's image, by its index in `ParsedProductCsv.imageUrls` (-1 for a URL with a problem). */
  imagePositions: number[];
  /** The row each URL is on: `rowNumber`, but for the later rows of a Shopify product. */
  imageRows: number[];
};

/** A limit that ends reading: nothing after it matters, the upload is refused. */
export type CsvLimitCrossed = { limit: "rows" | "images"; message: string };

export type ParsedProductCsv = {
  products: ProductRow[];
  errors: CsvProblem[];
  /** All problems found; `errors` holds at most `MAX_REPORTED_PROBLEMS` of them. */
  errorCount: number;
  imageCount: number;
  uniqueImageCount: number;
  /** The distinct images, each URL once in the form that recognises repeats, in order of first appearance. */
  imageUrls: string[];
  limitCrossed: CsvLimitCrossed | null;
  /** Where the products are; null when the header matched no layout (or there was none). */
  layout: CsvLayout | null;
  /** The header row's cells as written (empty before one is read): the dashboard maps them. */
  header: string[];
};

export const MAX_REPORTED_PROBLEMS = 100;

/** The whole text at once (the dashboard's preview, tests). */
export function parseProductCsv(
  text: string,
  limits: CsvLimits,
  mapping: ColumnMapping | null = null,
): ParsedProductCsv {
  const reader = new ProductCsvReader(limits, mapping);
  reader.push(text);
  return reader.end();
}

/**
 * Takes the text of a product CSV in pieces, as an upload arrives, and checks each row as soon as it
 * is complete. Work stays linear: each piece is parsed once, apart from an unfinished last record.
 * Once a limit is crossed (`limitCrossed`) the rest is ignored.
 */
export class ProductCsvReader {
  private readonly problems = new ProblemList();
  private readonly products: ProductRow[] = [];
  /** Each distinct image URL and its position: the order in which it first appears. */
  private readonly uniqueUrls = new Map<string, number>();
  /** Text received but not yet parsed: at most an unfinished last record. */
  private pending = "";
  private started = false;
  /** A record longer than one piece is parsed again only once `pending` has doubled: linear work. */
  private parseAt = 0;
  private format: CsvFormat | null = null;
  /** The text so far ends in `\r`: the header's `\r\n` may be split between two pieces. */
  private endsInCarriageReturn = false;
  /** Where the products are, once the header has been read; "unreadable" when it matches no layout. */
  private layout: CsvLayout | "unreadable" | null = null;
  private header: string[] = [];
  /** A Shopify product spans the rows sharing its `Handle`: each handle's product, once it has an image. */
  private readonly productsByHandle = new Map<string, ProductRow>();
  /** The handle of the row before: a row with no handle of its own continues that product. */
  private lastHandle = "";
  /** Rows of a shop export or mapped file read so far: the row limit counts rows, not products. */
  private listingRows = 0;
  /** Products already in `products`, and those already reported over the images-per-product limit. */
  private readonly listed = new WeakSet<ProductRow>();
  private readonly overImagesPerProduct = new WeakSet<ProductRow>();
  private recordIndex = 0;
  private imageCount = 0;
  private sawContent = false;
  limitCrossed: CsvLimitCrossed | null = null;

  constructor(
    private readonly limits: CsvLimits,
    private readonly mapping: ColumnMapping | null = null,
  ) {}

  private get done(): boolean {
    return this.limitCrossed !== null || this.layout === "unreadable";
  }

  push(text: string): void {
    if (this.done) return;
    const piece = this.started ? text : text.replace(/^\uFEFF/, "");
    const offset = this.pending.length;
    this.pending += piece;
    this.started ||= this.pending.length > 0;
    // The header line decides the delimiter and the line ending; wait until it is complete.
    this.format ??= this.formatOnceHeaderEnds(piece, offset);
    if (this.format && this.pending.length >= this.parseAt) this.parse(true);
  }

  end(): ParsedProductCsv {
    if (!this.done) {
      // No line end came: the whole text is the header line, unless there is nothing in it.
      if (!this.format && this.pending.trim() !== "") this.format = detectFormat(this.pending, "\n");
      if (this.format) this.parse(false);
    }
    if (!this.sawContent && this.problems.count === 0) {
      this.problems.add(null, null, "The file is empty. Upload a CSV with a header row and at least one product.");
    } else if (this.layout instanceof Object && this.products.length === 0 && this.problems.count === 0) {
      this.problems.add(null, null, noProductsMessage(this.layout, this.header, this.recordIndex > 1));
    }
    return {
      products: this.products,
      errors: this.problems.items,
      errorCount: this.problems.count,
      imageCount: this.imageCount,
      uniqueImageCount: this.uniqueUrls.size,
      imageUrls: [...this.uniqueUrls.keys()],
      limitCrossed: this.limitCrossed,
      layout: this.layout instanceof Object ? this.layout : null,
      header: this.header,
    };
  }

  /**
   * Looks for the header's line end in the new piece only, never in the text before it: a header that
   * never ends (a 10 MB file with no line break) would otherwise be searched again with every piece.
   */
  private formatOnceHeaderEnds(piece: string, offset: number): CsvFormat | null {
    const index = piece.indexOf("\n");
    if (index === -1) {
      if (piece !== "") this.endsInCarriageReturn = piece.endsWith("\r");
      return null;
    }
    const crlf = index > 0 ? piece[index - 1] === "\r" : this.endsInCarriageReturn;
    const lineEnd = offset + index - (crlf ? 1 : 0);
    return detectFormat(this.pending.slice(0, lineEnd), crlf ? "\r\n" : "\n");
  }

  /** Parses the complete records in `pending`; with `more`, an unfinished last record waits for more text. */
  private parse(more: boolean) {
    const { records, problems, cursor } = splitCsvRecords(this.pending, this.format!, more);
    this.pending = this.pending.slice(cursor);
    this.parseAt = records.length === 0 ? this.pending.length * 2 : 0;
    const firstRecord = this.recordIndex;
    for (const problem of problems)
      this.problems.add(firstRecord + problem.record + 1, null, describeQuoteProblem(problem));
    for (const record of records) {
      this.read(record);
      if (this.done) return;
    }
  }

  private read(record: string[]) {
    const rowNumber = ++this.recordIndex;
    const blank = record.every((value) => value.trim() === "");
    if (blank) return;
    this.sawContent = true;
    if (this.layout instanceof Object) {
      if (this.layout.kind === "template") this.readProduct(this.layout, record, rowNumber);
      else this.readListing(this.layout, record, rowNumber);
    } else this.readHeader(record, rowNumber);
  }

  private readHeader(header: string[], rowNumber: number) {
    this.header = header;
    const found = findLayout(header, this.mapping);
    if ("layout" in found) {
      this.layout = found.layout;
      return;
    }
    for (const problem of found.problems) this.problems.add(rowNumber, problem.column, problem.message);
    // Without its columns no row can be read, and there is nothing more to say about the file.
    this.layout = "unreadable";
  }

  /** A row past the row limit ends reading: the file is refused. */
  private overRowLimit(rowNumber: number, rowsRead: number): boolean {
    const { limits } = this;
    if (rowsRead < limits.maxRows) return false;
    this.problems.add(
      rowNumber,
      null,
      `Too many products: the limit is ${limits.maxRows} rows per file. Split the file and upload the parts.`,
    );
    this.limitCrossed = { limit: "rows", message: `The file has more than ${limits.maxRows} products.` };
    return true;
  }

  /** Counts a row's image URLs against the file's limit; past it, reading ends. */
  private overImageLimit(rowNumber: number, column: string, added: number): boolean {
    this.imageCount += added;
    if (this.imageCount <= this.limits.maxImages) return false;
    const message = `The file lists more than ${this.limits.maxImages.toLocaleString("en-US")} image URLs, the most one upload may hold. Split it into smaller files.`;
    this.problems.add(rowNumber, column, message);
    this.limitCrossed = { limit: "images", message };
    return true;
  }

  /** The image of a URL, numbered in the order images first appear; -1 with a problem for a URL that cannot be fetched. */
  private imagePosition(url: string, rowNumber: number, column: string): number {
    const verdict = readImageUrl(url);
    if ("problem" in verdict) {
      this.problems.add(rowNumber, column, verdict.problem);
      return -1;
    }
    let position = this.uniqueUrls.get(verdict.canonical);
    if (position === undefined) this.uniqueUrls.set(verdict.canonical, (position = this.uniqueUrls.size));
    return position;
  }

  /**
   * A row of a shop export or a mapped file. Rows without images are welcome (a variant, a product
   * with no photo): they come back as they are. A Shopify product gathers the images of all its rows,
   * each image once.
   */
  private readListing(layout: CsvLayout, record: string[], rowNumber: number) {
    if (this.overRowLimit(rowNumber, this.listingRows++)) return;
    const cell = (index: number) => (record[index] ?? "").trim();
    const urls: { url: string; column: string }[] = [];
    for (const index of layout.images) {
      const column = this.header[index]?.trim() || `column ${index + 1}`;
      const found = splitImageUrls(record[index] ?? "");
      if (found.length > this.limits.maxUrlsPerRow) {
        this.problems.add(
          rowNumber,
          column,
          `${found.length} image URLs in one cell; the limit is ${this.limits.maxUrlsPerRow}.`,
        );
      }
      for (const url of found) urls.push({ url, column });
    }
    if (this.overImageLimit(rowNumber, urls[0]?.column ?? "", urls.length)) return;

    let product: ProductRow | undefined;
    if (layout.kind === "shopify") {
      const handle = cell(layout.ids[0]) || this.lastHandle;
      this.lastHandle = handle;
      product = this.productsByHandle.get(handle);
      if (!product) {
        product = this.newProduct(rowNumber, handle || String(rowNumber), cell(layout.name) || handle);
        this.productsByHandle.set(handle, product);
      }
    } else {
      const id = layout.ids.map(cell).find((value) => value !== "") ?? String(rowNumber);
      product = this.newProduct(rowNumber, id, cell(layout.name) || id);
    }

    for (const { url, column } of urls) {
      const position = this.imagePosition(url, rowNumber, column);
      // One image once per product: a Shopify variant's image is also one of its product's images.
      if (position !== -1 && product.imagePositions.includes(position)) continue;
      product.imageUrls.push(url);
      product.imagePositions.push(position);
      product.imageRows.push(rowNumber);
    }
    if (product.imageUrls.length > this.limits.maxUrlsPerRow && !this.overImagesPerProduct.has(product)) {
      this.overImagesPerProduct.add(product);
      this.problems.add(
        rowNumber,
        urls[0].column,
        `The product "${shorten(product.serialNumber)}" has more than ${this.limits.maxUrlsPerRow} images; the limit is ${this.limits.maxUrlsPerRow} per product.`,
      );
    }
    product.inputUrlsCell = product.imageUrls.join(", ");
    // Listed from its first image on: a product without any is left as it is and not processed.
    if (product.imageUrls.length > 0 && !this.listed.has(product)) {
      this.listed.add(product);
      this.products.push(product);
    }
  }

  private newProduct(rowNumber: number, id: string, name: string): ProductRow {
    return {
      rowNumber,
      serialNumber: id,
      productName: name.slice(0, this.limits.maxProductNameLength),
      inputUrlsCell: "",
      imageUrls: [],
      imagePositions: [],
      imageRows: [],
    };
  }

  private readProduct(layout: CsvLayout, record: string[], rowNumber: number) {
    const { limits, problems } = this;
    const columns = new Map([
      ["serialNumber", layout.ids[0]],
      ["productName", layout.name],
      ["inputUrls", layout.images[0]],
    ] as const);
    if (this.overRowLimit(rowNumber, this.products.length)) return;
    const cell = (column: "serialNumber" | "productName" | "inputUrls") => (record[columns.get(column)!] ?? "").trim();
    // Unquoted, the commas between a cell's URLs split it into cells past the header's: the URLs after
    // the first would be dropped from the work and pushed out of place in the output.
    const beyondHeader = record.slice(this.header.length).filter((value) => value.trim() !== "");
    if (beyondHeader.length > 0) {
      problems.add(
        rowNumber,
        null,
        `This row has ${record.length} cells but the header has ${this.header.length}: put a cell that holds several URLs in double quotes, like "https://…/a.jpg, https://…/b.jpg".`,
      );
    }

    const rawSerial = cell("serialNumber");
    const serialNumber = normalizeSerialNumber(rawSerial);
    if (serialNumber === "") problems.add(rowNumber, COLUMNS.serialNumber, "S. No. is empty.");
    else if (serialNumber === null) {
      problems.add(
        rowNumber,
        COLUMNS.serialNumber,
        `S. No. must be a whole number such as 1 (found "${shorten(rawSerial)}").`,
      );
    }

    let productName = cell("productName");
    if (productName === "") problems.add(rowNumber, COLUMNS.productName, "Product Name is empty.");
    if (productName.length > limits.maxProductNameLength) {
      problems.add(
        rowNumber,
        COLUMNS.productName,
        `Product Name is ${productName.length.toLocaleString("en-US")} characters long; the limit is ${limits.maxProductNameLength}.`,
      );
      productName = productName.slice(0, limits.maxProductNameLength);
    }

    const inputUrlsCell = cell("inputUrls");
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
    const imagePositions = imageUrls.map((url) => this.imagePosition(url, rowNumber, COLUMNS.inputUrls));
    if (this.overImageLimit(rowNumber, COLUMNS.inputUrls, imageUrls.length)) return;
    this.products.push({
      rowNumber,
      serialNumber: serialNumber ?? "",
      productName,
      inputUrlsCell,
      imageUrls,
      imagePositions,
      imageRows: imageUrls.map(() => rowNumber),
    });
  }
}

/** Spreadsheets write serial numbers as `1`, `1.` or `1.0`; all mean product 1. Returns null when it is not a whole number. */
export function normalizeSerialNumber(value: string): string | null {
  if (value === "") return "";
  const match = /^(\d+)(?:\.0*)?$/.exec(value);
  // As text: a long serial must not lose digits to floating point.
  return match ? match[1].replace(/^0+(?=\d)/, "") : null;
}

/**
 * The delimiter is the one of `,` `;` and tab that the first line uses most (outside quotes);
 * European Excel writes `;`. The first line's ending is the file's.
 */
export function detectFormat(firstLine: string, newline: string): CsvFormat {
  const unquoted = firstLine.replace(/"[^"]*"/g, "");
  const counts = [",", ";", "\t"].map((delimiter) => [delimiter, unquoted.split(delimiter).length - 1] as const);
  const [delimiter] = counts.reduce((best, candidate) => (candidate[1] > best[1] ? candidate : best));
  return { delimiter, newline };
}

class ProblemList {
  readonly items: CsvProblem[] = [];
  count = 0;

  add(row: number | null, column: string | null, message: string) {
    this.count++;
    if (this.items.length < MAX_REPORTED_PROBLEMS) this.items.push({ row, column, message });
  }
}

function describeQuoteProblem(problem: CsvQuoteProblem): string {
  return problem.kind === "unclosed"
    ? 'A quoted cell is never closed: a " is missing.'
    : 'A cell has a stray " inside it; write a quote inside a quoted cell as "".';
}

/** A header and no products: what a seller should add, in the words of their layout. */
function noProductsMessage(layout: CsvLayout, header: string[], hasRows: boolean): string {
  if (!isReimportLayout(layout.kind) || !hasRows)
    return "The CSV has a header row but no products. Add one row per product below the header.";
  const columns = layout.images.map((index) => `"${header[index]?.trim()}"`).join(" or ");
  return `No image URLs found: every row's ${columns} is empty. Add the image URLs to compress, or choose other image columns.`;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
