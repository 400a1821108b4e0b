import { COLUMNS, normalizeHeader } from "./columns";
import { type CsvLayout, findLayout, isReimportLayout } from "./csv-layout";
import { readImageUrl, splitImageUrls } from "./image-urls";
import { detectFormat, normalizeSerialNumber } from "./parse-product-csv";
import { type CsvFormat, splitCsvRecords } from "./split-csv-records";
import { formatCsvRows } from "./write-csv";

/** Each distinct input image (its canonical URL) and its compressed copy's URL; null when it failed. */
export type OutputUrls = ReadonlyMap<string, string | null>;

/** Text read at a time: a few milliseconds of work, then other clients get the event loop. */
const SLICE_CHARS = 64 * 1024;

/**
 * The output CSV, written from the uploaded CSV's text a slice at a time:
 * - the template: every row and column of the input, `Output Image Urls` right after
 *   `Input Image Urls`, the known columns as the template names them, and every cell made safe for a
 *   spreadsheet (see write-csv.ts);
 * - a shop export or mapped file: the input byte for byte, apart from the image URLs in its image
 *   columns, each replaced by its compressed copy's URL where it has one. A failed image keeps its
 *   original URL, so the file imported again never loses a picture. No formula neutralisation: the
 *   file goes back to the shop it came from, and every cell is the shop's own.
 */
export async function* outputCsvText(
  input: string,
  /** Null for a request stored before layouts were kept: the template, its columns found again in the header. */
  layout: CsvLayout | null,
  outputUrls: OutputUrls,
): AsyncGenerator<string> {
  const bom = input.startsWith("\uFEFF");
  const text = bom ? input.slice(1) : input;
  const format = formatOf(text);
  const reimport = layout !== null && isReimportLayout(layout.kind);
  if (reimport && bom) yield "\uFEFF";
  const writeSlice = reimport ? rewriteUrls : templateRows;
  const state: SliceState = { headerSeen: false, layout, staleOutput: null };

  for (let position = 0; position < text.length;) {
    let end = Math.min(text.length, position + SLICE_CHARS);
    for (;;) {
      const slice = text.slice(position, end);
      const more = end < text.length;
      const spans: number[][] = [];
      const { records, cursor } = splitCsvRecords(slice, format, more, spans);
      // A record longer than the slice: read a longer slice.
      if (records.length === 0 && more) {
        end = Math.min(text.length, position + (end - position) * 2);
        continue;
      }
      yield writeSlice({ slice, records, spans, cursor, format, outputUrls, state });
      position += cursor;
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

type Slice = {
  slice: string;
  records: string[][];
  spans: number[][];
  cursor: number;
  format: CsvFormat;
  outputUrls: OutputUrls;
  state: SliceState;
};

type SliceState = {
  headerSeen: boolean;
  layout: CsvLayout | null;
  /** The template's header already has an `Output Image Urls` column (an earlier output uploaded again). */
  staleOutput: number | null;
};

/** The slice as written, with only the image URL cells rewritten. */
function rewriteUrls({ slice, records, spans, cursor, format, outputUrls, state }: Slice): string {
  const layout = state.layout!;
  let written = "";
  let copiedTo = 0;
  records.forEach((record, index) => {
    if (!state.headerSeen) {
      state.headerSeen = !isBlank(record);
      return;
    }
    for (const column of layout.images) {
      if (column >= record.length) continue;
      const value = record[column];
      const rewritten = replaceUrls(value, outputUrls);
      if (rewritten === value) continue;
      const [start, end] = [spans[index][column * 2], spans[index][column * 2 + 1]];
      written += slice.slice(copiedTo, start) + encodeField(slice.slice(start, end), rewritten, format.delimiter);
      copiedTo = end;
    }
  });
  return written + slice.slice(copiedTo, cursor);
}

/** The template's rows: input columns kept, `Output Image Urls` added after `Input Image Urls`. */
function templateRows({ records, outputUrls, state }: Slice): string {
  const rows: string[][] = [];
  for (const record of records) {
    if (isBlank(record)) continue;
    state.layout ??= templateLayoutOf(record);
    const [serial, name, urls] = [state.layout.ids[0], state.layout.name, state.layout.images[0]];
    const cells = [...record];
    while (cells.length <= Math.max(serial, name, urls)) cells.push("");
    let output: string;
    if (!state.headerSeen) {
      state.headerSeen = true;
      // A file that is itself an earlier output: its old output column gives way to the new one.
      const stale = record.findIndex(
        (column, index) => normalizeHeader(column) === normalizeHeader(COLUMNS.outputUrls) && index !== urls,
      );
      state.staleOutput = stale === -1 ? null : stale;
      cells[serial] = COLUMNS.serialNumber;
      cells[name] = COLUMNS.productName;
      cells[urls] = COLUMNS.inputUrls;
      output = COLUMNS.outputUrls;
    } else {
      // As the upload read them, so the output says what the status says.
      cells[serial] = normalizeSerialNumber(cells[serial].trim()) ?? "";
      cells[name] = cells[name].trim();
      cells[urls] = cells[urls].trim();
      output = splitImageUrls(cells[urls])
        .map((url) => outputUrlOf(url, outputUrls) ?? "")
        .join(", ");
    }
    const stale = state.staleOutput;
    if (stale !== null && stale < cells.length) cells.splice(stale, 1);
    cells.splice(stale !== null && stale < urls ? urls : urls + 1, 0, output);
    rows.push(cells);
  }
  return formatCsvRows(rows);
}

function templateLayoutOf(header: string[]): CsvLayout {
  const found = findLayout(header, null);
  if ("problems" in found || found.layout.kind !== "template")
    throw new Error("The uploaded CSV's header does not name the template's columns.");
  return found.layout;
}

/** Each URL of a cell replaced in place by its output; separators and spaces stay as written. */
export function replaceUrls(cell: string, outputUrls: OutputUrls): string {
  let written = "";
  let from = 0;
  for (const url of splitImageUrls(cell)) {
    const at = cell.indexOf(url, from);
    written += cell.slice(from, at) + (outputUrlOf(url, outputUrls) ?? url);
    from = at + url.length;
  }
  return written + cell.slice(from);
}

function outputUrlOf(url: string, outputUrls: OutputUrls): string | null {
  const verdict = readImageUrl(url);
  return "canonical" in verdict ? (outputUrls.get(verdict.canonical) ?? null) : null;
}

/** A rewritten field, quoted when it was or when it must be. */
function encodeField(raw: string, value: string, delimiter: string): string {
  const quote = raw.startsWith('"') || /["\r\n]/.test(value) || value.includes(delimiter);
  return quote ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The delimiter and line ending of the header line, as the upload read them. */
function formatOf(text: string): CsvFormat {
  const lineEnd = text.indexOf("\n");
  if (lineEnd === -1) return detectFormat(text, "\n");
  const crlf = lineEnd > 0 && text[lineEnd - 1] === "\r";
  return detectFormat(text.slice(0, crlf ? lineEnd - 1 : lineEnd), crlf ? "\r\n" : "\n");
}

function isBlank(record: string[]): boolean {
  return record.every((value) => value.trim() === "");
}
