/**
 * How figures are printed: each as its absolute value, the baseline measured in the same run, their
 * ratio, and the target, so a reader on any machine sees where the service stands.
 */

export type Target = {
  /** Which number the target applies to. */
  on: "value" | "ratio";
  atLeast?: number;
  atMost?: number;
  text: string;
};

export type Figure = {
  /** The figure's name in the table. */
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  baselineName: string;
  ratio: number | null;
  target: Target;
};

export function ratioOf(value: number, baseline: number): number | null {
  return Number.isFinite(value) && Number.isFinite(baseline) && baseline !== 0 ? value / baseline : null;
}

export function isMet(figure: Figure): boolean | null {
  const { on, atLeast, atMost } = figure.target;
  // A figure reported for the trade-off it shows, with no bound to meet.
  if (atLeast === undefined && atMost === undefined) return null;
  const measured = on === "value" ? figure.value : figure.ratio;
  if (measured === null || !Number.isFinite(measured)) return null;
  if (atLeast !== undefined && measured < atLeast) return false;
  if (atMost !== undefined && measured > atMost) return false;
  return true;
}

/** A number with a sensible count of digits for its size. */
export function num(value: number | null | undefined, digits?: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (digits !== undefined) return value.toFixed(digits);
  if (Number.isInteger(value) || Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  const size = Math.abs(value);
  if (size >= 1 || size === 0) return value.toFixed(size >= 100 ? 0 : size >= 10 ? 1 : 2);
  return value.toPrecision(3);
}

export const metText = (met: boolean | null) => (met === null ? "–" : met ? "yes" : "NO");

/** Prints one figure in a line: value, baseline, ratio, target, verdict. */
export function printFigure(figure: Figure) {
  const baseline = figure.baseline === null ? "–" : `${num(figure.baseline)} ${figure.unit}`;
  console.log(
    `   ▸ ${figure.name}: ${num(figure.value)} ${figure.unit} | baseline (${figure.baselineName}) ${baseline}` +
      ` | ratio ${num(figure.ratio)} | target ${figure.target.text} | met: ${metText(isMet(figure))}`,
  );
}

/** A plain text table with columns padded to their widest cell; numbers are right-aligned. */
export function printTable(headers: string[], rows: (string | number)[][]) {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === "number" ? num(cell) : cell)));
  const numeric = headers.map((_, column) => rows.every((row) => typeof row[column] === "number"));
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => row[column].length)));
  const line = (row: string[]) =>
    "   " +
    row
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join(" │ ");
  console.log(line(headers));
  console.log("   " + widths.map((width) => "─".repeat(width)).join("─┼─"));
  for (const row of cells) console.log(line(row));
}

export function printSection(title: string) {
  console.log(`\n━━ ${title} ${"━".repeat(Math.max(0, 100 - title.length))}`);
}

export function printSummary(figures: Figure[]) {
  printSection("Summary");
  printTable(
    ["figure", "value", "baseline", "ratio", "target", "met?"],
    figures.map((figure) => [
      figure.name,
      `${num(figure.value)} ${figure.unit}`,
      figure.baseline === null ? "–" : `${num(figure.baseline)} ${figure.unit} (${figure.baselineName})`,
      num(figure.ratio),
      figure.target.text,
      metText(isMet(figure)),
    ]),
  );
}
