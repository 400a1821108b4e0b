import Papa from "papaparse";

/**
 * CSV writing for the template's output file (a shop export or mapped file comes back as written,
 * see output-csv-text.ts). A cell that a spreadsheet would run as a formula (`=`, `+`, `-`,
 * `@`, tab, carriage return at the start) gets an apostrophe in front, the usual defence against CSV
 * injection; the apostrophe is not shown by Excel or Sheets.
 *
 * The start of a cell is not the only place a field can start. Excel where the list separator is
 * `;` (most of Europe) splits this comma file on `;`, other readers split on tabs, and neither knows
 * our quoting: for them a field starts at the beginning of a line, after every `;` or tab and after
 * every line break, even inside a quoted cell (for them the field began before our quote, so it is not
 * quoted). Each of those places gets the same apostrophe. Quote marks at such a place are looked
 * through: a reader that does honour a quote there takes `""=1` as an empty quoted text followed by
 * `=1`, which is still a formula.
 *
 * Every cell gets this, the echoed `Input Image Urls` too: a URL passes validation with `;=…` after
 * its path, so that cell is the seller's free text like any other. A real image URL hardly ever has a
 * `;`, tab or line break followed by one of these characters; when one does, the echoed copy gains an
 * apostrophe there (the service never fetches that column again). `Output Image Urls` are built from
 * our own storage keys and never do.
 */
const FIELD_START_FORMULA = /(?<=^|[;\t\r\n])"*[=+\-@\t\r]/g;
/** The same places inside a cell, after its start: papaparse's `escapeFormulae` only looks at the start. */
const INNER_FIELD_START_FORMULA = /(?<=[;\t\r\n])"*[=+\-@\t\r]/g;
/** The start of a cell, quote marks looked through; handed to papaparse's `escapeFormulae`. */
const CELL_START_FORMULA = /^"*[=+\-@\t\r]/;

export function neutralizeCell(value: string): string {
  return value.replace(FIELD_START_FORMULA, "'$&");
}

/**
 * Rows as CSV text, each ending in CRLF. papaparse writes them (RFC 4180 quoting, `escapeFormulae`
 * for the start of each cell); the places inside a cell are neutralised before, and a cell with a `;`
 * or tab, the separators other readers split on, is quoted too.
 */
export function formatCsvRows(rows: string[][]): string {
  if (rows.length === 0) return "";
  const safe = rows.map((cells) => cells.map((cell) => cell.replace(INNER_FIELD_START_FORMULA, "'$&")));
  const text = Papa.unparse(safe, {
    newline: "\r\n",
    escapeFormulae: CELL_START_FORMULA,
    quotes: (value: unknown) => typeof value === "string" && /[;\t]/.test(value),
  });
  return `${text}\r\n`;
}

export function formatCsvRow(cells: string[]): string {
  return formatCsvRows([cells]);
}
