/**
 * CSV writing for the output file. A cell that a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@`, tab, carriage return at the start) gets a leading apostrophe, the
 * usual defence against CSV injection; the apostrophe is not shown by Excel or Sheets.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function formatCsvCell(value: string): string {
  const safe = neutralizeCell(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function formatCsvRow(cells: string[]): string {
  return `${cells.map(formatCsvCell).join(",")}\r\n`;
}
