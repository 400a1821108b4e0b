/**
 * CSV writing for the output file. A cell that a spreadsheet would run as a formula (`=`, `+`, `-`,
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

export function neutralizeCell(value: string): string {
  return value.replace(FIELD_START_FORMULA, "'$&");
}

/** Quoted when it holds a comma, quote or line break (RFC 4180), or a `;` or tab, the separators other readers split on. */
export function formatCsvCell(value: string): string {
  const safe = neutralizeCell(value);
  return /[",;\t\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function formatCsvRow(cells: string[]): string {
  return `${cells.map(formatCsvCell).join(",")}\r\n`;
}
