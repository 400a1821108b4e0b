import { rejectedUpload } from "@/lib/errors";
import { formatBytes } from "@/lib/format";
import type { ColumnMapping } from "./csv-layout";
import { CsvTextDecoder } from "./decode-csv-file";
import { type CsvLimits, type ParsedProductCsv, ProductCsvReader } from "./parse-product-csv";

export type CsvFileLimits = CsvLimits & { maxBytes: number };

/**
 * One uploaded CSV file, read as its bytes arrive: counted against the size limit, judged as text by
 * its first bytes, decoded and checked row by row. The bytes are kept as the chunks they came in
 * (never copied into one buffer) to store the file once it is accepted.
 */
export class CsvUpload {
  readonly chunks: Buffer[] = [];
  byteLength = 0;
  private readonly decoder = new CsvTextDecoder();
  private reader: ProductCsvReader;

  constructor(
    private readonly limits: CsvFileLimits,
    /** The seller's choice of columns, for a file in no known layout. */
    readonly mapping: ColumnMapping | null = null,
  ) {
    this.reader = new ProductCsvReader(limits, mapping);
  }

  /** Past the size limit: 413. Not CSV text: 415. */
  push(chunk: Uint8Array): void {
    this.byteLength += chunk.byteLength;
    if (this.byteLength > this.limits.maxBytes) throw fileTooLarge(this.limits.maxBytes, null);
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.chunks.push(bytes);
    if (this.reader.limitCrossed) return;
    this.feed(this.decoder.push(bytes));
  }

  /** A limit that ends reading (too many rows or image URLs): the rest of the file need not be read. */
  get limitCrossed() {
    return this.reader.limitCrossed;
  }

  end(): ParsedProductCsv {
    if (!this.reader.limitCrossed) this.feed(this.decoder.end());
    return this.reader.end();
  }

  private feed({ text, restart }: { text: string; restart: boolean }) {
    if (restart) this.reader = new ProductCsvReader(this.limits, this.mapping);
    this.reader.push(text);
  }
}

/** `bytes` is null when reading stopped at the limit and the real size is not known. */
export function fileTooLarge(maxBytes: number, bytes: number | null) {
  const limit = formatBytes(maxBytes);
  const size =
    bytes === null
      ? `The upload is larger than the ${limit} limit`
      : `The file is ${formatBytes(bytes)}; the limit is ${limit}`;
  return rejectedUpload("payload_too_large:csv", `${size}. Split it into smaller files.`);
}
