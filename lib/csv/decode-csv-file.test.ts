import { describe, expect, it } from "vitest";
import { CsvTextDecoder } from "./decode-csv-file";

function decodeCsvFile(bytes: Uint8Array): string {
  const decoder = new CsvTextDecoder();
  const first = decoder.push(bytes);
  const last = decoder.end();
  return last.restart ? last.text : first.text + last.text;
}

describe("CsvTextDecoder on a whole file", () => {
  it("reads UTF-8, UTF-16 and Windows-1252 text", () => {
    expect(decodeCsvFile(new TextEncoder().encode("a,b\nCafé,1"))).toBe("a,b\nCafé,1");
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("a\tb\nCafé\t1", "utf16le")]);
    expect(decodeCsvFile(utf16)).toBe("a\tb\nCafé\t1");
    expect(decodeCsvFile(Buffer.from([0x43, 0x61, 0x66, 0xe9]))).toBe("Café");
  });

  it("refuses images, workbooks and binary data with a reason", () => {
    expect(() => decodeCsvFile(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toThrow(
      /PNG image, not a CSV/,
    );
    expect(() => decodeCsvFile(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]))).toThrow(/Excel workbook/);
    expect(() => decodeCsvFile(Buffer.from([1, 2, 3, 0, 5]))).toThrow(/binary data/);
  });

  it("does not mistake a CSV starting with BM for a bitmap", () => {
    expect(decodeCsvFile(new TextEncoder().encode("BMW,1,https://a.test/x.jpg"))).toContain("BMW");
  });
});
