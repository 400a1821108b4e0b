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
