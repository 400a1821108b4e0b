import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { formatCsvRow, neutralizeCell } from "./write-csv";

describe("output CSV cells", () => {
  it("neutralises cells a spreadsheet would run as a formula", () => {
    for (const value of ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
      expect(neutralizeCell(value)).toBe(`'${value}`);
    expect(neutralizeCell("Shirt")).toBe("Shirt");
  });

  it("quotes cells with commas, quotes and new lines", () => {
    expect(formatCsvRow(["1", 'Say "hi", ok', "a\nb"])).toBe('1,"Say ""hi"", ok","a\nb"\r\n');
  });
});

/**
 * Excel where the list separator is `;` (most of Europe) splits a `.csv` on `;`, and some readers
 * split on tabs. Neither honours our quotes: for them a field starts at a line start or after their
 * separator, anywhere in the line, so a cell `x;=1+2;` holds a formula `=1+2` for them.
 */
const hostile: [value: string, written: string][] = [
  ["x;=1+2;", "x;'=1+2;"],
  ["x\t=1+2\t", "x\t'=1+2\t"],
  ["=1;+2;-3;@4", "'=1;'+2;'-3;'@4"],
  ["x;;@SUM(A1)", "x;;'@SUM(A1)"],
  // A tab is both a separator and a formula start: each place gets its own apostrophe.
  ["x;\t=1", "x;'\t'=1"],
  ["x\t\t=1", "x\t'\t'=1"],
  // A reader that honours a quote here reads `""=1+2` as "" followed by =1+2.
  ['a;"=1+2', "a;'\"=1+2"],
  // A line break inside a quoted cell starts a new line for a reader that ignores our quotes.
  ["x\n-1", "x\n'-1"],
  ["x\r\n=1", "x\r\n'=1"],
  // papaparse's `escapeFormulae` misses this one: its pattern ends at the first line break.
  ["=1+2\nx", "'=1+2\nx"],
  // Not a field start for anyone: left as written.
  ["Size 5; -10% off", "Size 5; -10% off"],
  ["1+1=2", "1+1=2"],
  // URLs are cells like any other: a `;` parameter keeps its text, a formula after a `;` does not.
  ["https://a.test/p;v=2/x.jpg, https://a.test/y.jpg", "https://a.test/p;v=2/x.jpg, https://a.test/y.jpg"],
  ["https://a.test/x.jpg;=1+2", "https://a.test/x.jpg;'=1+2"],
];

/** What a reader that splits lines on `separator`, ignoring quotes, takes as fields. */
function fieldsSplitOn(csv: string, separator: string): string[] {
  return csv.split(/\r\n|\r|\n/).flatMap((line) => line.split(separator));
}

/** A field such a reader would run: a formula start, possibly behind quote marks it honours. */
const FORMULA_FIELD = /^"*[=+\-@\t]/;

describe("output CSV read by a reader that splits on ; or tab", () => {
  const csv = hostile.map(([value], i) => formatCsvRow([String(i + 1), value, "https://out.test/1.jpg"])).join("");

  it.each([";", "\t"])("holds no field that starts a formula when split on %j", (separator) => {
    expect(fieldsSplitOn(csv, separator).filter((field) => FORMULA_FIELD.test(field))).toEqual([]);
  });

  it("still says what the seller wrote to a comma CSV reader, apart from the apostrophes", () => {
    const rows = Papa.parse<string[]>(csv, { delimiter: ",", newline: "\r\n", skipEmptyLines: true }).data;
    expect(rows.map((row) => row[1])).toEqual(hostile.map(([, written]) => written));
    expect(rows.map((row) => row[2])).toEqual(hostile.map(() => "https://out.test/1.jpg"));
    for (const [value, written] of hostile) expect(written.replace(/'/g, "")).toBe(value);
  });

  it("quotes every cell that holds a ; or tab", () => {
    expect(formatCsvRow(["x;=1+2;", "a\tb", "https://a.test/p;v=2/x.jpg"])).toBe(
      `"x;'=1+2;","a\tb","https://a.test/p;v=2/x.jpg"\r\n`,
    );
  });
});
