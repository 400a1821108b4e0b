import { describe, expect, it } from "vitest";
import { CsvTextDecoder } from "./decode-csv-file";
import { normalizeSerialNumber, type ParsedProductCsv, parseProductCsv, ProductCsvReader } from "./parse-product-csv";
import { splitImageUrls } from "./image-urls";
import { COLUMNS } from "./columns";

const limits = { maxRows: 100, maxUrlsPerRow: 5, maxImages: 1000, maxProductNameLength: 500 };
const header = "S. No.,Product Name,Input Image Urls";

describe("parseProductCsv", () => {
  it("reads products with quoted, comma-separated URL cells", () => {
    const csv = `${header}\n1,SKU1,"https://a.test/1.jpg,https://a.test/2.jpg, https://a.test/3.jpg"\n2,SKU2,https://a.test/4.jpg\n`;
    const result = parseProductCsv(csv, limits);
    expect(result.errors).toEqual([]);
    expect(result.products.map((p) => [p.rowNumber, p.serialNumber, p.productName, p.imageUrls.length])).toEqual([
      [2, "1", "SKU1", 3],
      [3, "2", "SKU2", 1],
    ]);
    expect(result.imageCount).toBe(4);
  });

  it("ignores a UTF-8 byte order mark and accepts CRLF line ends", () => {
    const csv = `\uFEFF${header}\r\n1,SKU1,https://a.test/1.jpg\r\n2,SKU2,https://a.test/2.jpg\r\n`;
    const result = parseProductCsv(csv, limits);
    expect(result.errors).toEqual([]);
    expect(result.products).toHaveLength(2);
    expect(result.products[1].imageUrls).toEqual(["https://a.test/2.jpg"]);
  });

  it("matches header names forgivingly", () => {
    const csv = `serial number, product name ,INPUT_IMAGE_URLS\n1,SKU1,https://a.test/1.jpg\n`;
    expect(parseProductCsv(csv, limits).errors).toEqual([]);
    const compact = `S.No,Product Name,Input Image Urls\n1,SKU1,https://a.test/1.jpg\n`;
    expect(parseProductCsv(compact, limits).errors).toEqual([]);
  });

  it("prefers the column named as in the template over a looser alias", () => {
    const csv = `S. No.,Name,Product Name,Input Image Urls\n1,Short,Blue shirt,https://a.test/1.jpg\n`;
    expect(parseProductCsv(csv, limits).products[0].productName).toBe("Blue shirt");
  });

  it("accepts serial numbers as spreadsheets write them", () => {
    const csv = `${header}\n1.,SKU1,https://a.test/1.jpg\n2.0,SKU2,https://a.test/2.jpg\n`;
    const result = parseProductCsv(csv, limits);
    expect(result.errors).toEqual([]);
    expect(result.products.map((p) => p.serialNumber)).toEqual(["1", "2"]);
    expect(normalizeSerialNumber("007")).toBe("7");
    expect(normalizeSerialNumber("12345678901234567890")).toBe("12345678901234567890");
    expect(normalizeSerialNumber("A1")).toBeNull();
  });

  it("keeps a quoted cell with new lines and many URLs, numbering rows as a spreadsheet does", () => {
    const urls = Array.from({ length: 5 }, (_, i) => `https://a.test/${i}.jpg`);
    const csv = `${header}\n1,"Shirt, blue","${urls.join(",\n")}"\n2,SKU2,notaurl\n`;
    const result = parseProductCsv(csv, limits);
    expect(result.products[0].productName).toBe("Shirt, blue");
    expect(result.products[0].imageUrls).toEqual(urls);
    expect(result.errors).toEqual([
      { row: 3, column: "Input Image Urls", message: expect.stringContaining("not an absolute URL") },
    ]);
  });

  it("rejects URLs that are not http or https, naming the row", () => {
    const csv = `${header}\n1,SKU1,file:///etc/passwd\n2,SKU2,"https://a.test/1.jpg,javascript:alert(1)"\n3,SKU3,"data:image/png;base64,AAAA"\n`;
    const result = parseProductCsv(csv, limits);
    expect(result.errors.map((e) => e.row)).toEqual([2, 3, 4]);
    expect(result.errors[0].message).toContain("file:");
    expect(result.errors[1].message).toContain("javascript:");
  });

  it("refuses URLs joined by spaces, | or ;, and keeps an image proxy's URL inside a URL", () => {
    const csv = [
      header,
      "1,Shirt,https://a.test/1.jpg | https://a.test/2.jpg",
      "2,Hat,https://a.test/1.jpg https://a.test/2.jpg",
      "3,Cap,https://a.test/1.jpg;https://a.test/2.jpg",
      '4,Mug,"https://res.cloudinary.test/demo/image/fetch/https://a.test/1.jpg, https://img.test/?url=https://a.test/2.jpg"',
      "",
    ].join("\n");
    const result = parseProductCsv(csv, limits);
    expect(result.errors.map((e) => [e.row, e.column])).toEqual([
      [2, COLUMNS.inputUrls],
      [3, COLUMNS.inputUrls],
      [4, COLUMNS.inputUrls],
    ]);
    expect(result.errors.map((e) => e.message.replace(/^".*" is/, "…"))).toEqual([
      '… several URLs joined by "|": separate image URLs with commas',
      "… several URLs joined by spaces: separate image URLs with commas",
      '… several URLs joined by ";": separate image URLs with commas',
    ]);
  });

  it("refuses a row whose URLs were not quoted, so that none is dropped; empty cells past the header are fine", () => {
    const csv = `${header}\n1,Shirt,https://a.test/1.jpg,https://a.test/2.jpg\n2,Hat,https://a.test/3.jpg,,\n`;
    const result = parseProductCsv(csv, limits);
    expect(result.errors).toEqual([
      {
        row: 2,
        column: null,
        message:
          'This row has 4 cells but the header has 3: put a cell that holds several URLs in double quotes, like "https://…/a.jpg, https://…/b.jpg".',
      },
    ]);
  });

  it("reports every bad row, not just the first", () => {
    const csv = `${header}\n1,,https://a.test/1.jpg\nx,SKU2,https://a.test/2.jpg\n3,SKU3,\n`;
    const result = parseProductCsv(csv, limits);
    expect(result.errors).toEqual([
      { row: 2, column: "Product Name", message: "Product Name is empty." },
      { row: 3, column: "S. No.", message: expect.stringContaining("whole number") },
      { row: 4, column: "Input Image Urls", message: expect.stringContaining("empty") },
    ]);
  });

  it("names a missing column", () => {
    const result = parseProductCsv(`S. No.,Product Name\n1,SKU1\n`, limits);
    expect(result.errors).toEqual([
      { row: 1, column: "Input Image Urls", message: expect.stringContaining('Missing column "Input Image Urls"') },
    ]);
    expect(result.products).toEqual([]);
  });

  it("rejects an empty file and a header without products", () => {
    expect(parseProductCsv("", limits).errors[0].message).toContain("empty");
    expect(parseProductCsv("\uFEFF\r\n", limits).errors[0].message).toContain("empty");
    expect(parseProductCsv(`${header}\n`, limits).errors[0].message).toContain("no products");
  });

  it("enforces the row and URLs-per-row limits", () => {
    const rows = Array.from({ length: 3 }, (_, i) => `${i + 1},P${i},https://a.test/${i}.jpg`).join("\n");
    expect(
      parseProductCsv(`${header}\n${rows}\n`, { ...limits, maxRows: 2, maxUrlsPerRow: 5 }).errors[0],
    ).toMatchObject({
      row: 4,
      message: expect.stringContaining("limit is 2 rows"),
    });
    const many = Array.from({ length: 6 }, (_, i) => `https://a.test/${i}.jpg`).join(",");
    expect(parseProductCsv(`${header}\n1,P,"${many}"\n`, limits).errors[0]).toMatchObject({
      row: 2,
      message: expect.stringContaining("limit is 5"),
    });
  });

  it("caps the list of problems but counts them all", () => {
    const rows = Array.from({ length: 150 }, (_, i) => `${i + 1},,https://a.test/${i}.jpg`).join("\n");
    const result = parseProductCsv(`${header}\n${rows}\n`, { ...limits, maxRows: 1000, maxUrlsPerRow: 5 });
    expect(result.errors).toHaveLength(100);
    expect(result.errorCount).toBe(150);
  });

  it("reads semicolon-separated files as European Excel writes them", () => {
    const csv = `S. No.;Product Name;Input Image Urls\n1;SKU1;https://a.test/1.jpg,https://a.test/2.jpg\n`;
    const result = parseProductCsv(csv, limits);
    expect(result.errors).toEqual([]);
    expect(result.products[0].imageUrls).toHaveLength(2);
  });

  it("counts the same URL once among distinct images", () => {
    const csv = `${header}\n1,A,"https://a.test/1.jpg,https://a.test/1.jpg"\n2,B,HTTPS://A.TEST/1.jpg\n`;
    const result = parseProductCsv(csv, limits);
    expect(result.imageCount).toBe(3);
    expect(result.uniqueImageCount).toBe(1);
  });
});

describe("splitImageUrls", () => {
  it("keeps commas that belong to a CDN URL", () => {
    expect(splitImageUrls("https://cdn.test/w_100,h_100/a.jpg, https://cdn.test/b.jpg")).toEqual([
      "https://cdn.test/w_100,h_100/a.jpg",
      "https://cdn.test/b.jpg",
    ]);
  });

  it("splits on commas and new lines and drops empty pieces", () => {
    expect(splitImageUrls("https://a.test/1.jpg,,https://a.test/2.jpg\nhttps://a.test/3.jpg, ")).toEqual([
      "https://a.test/1.jpg",
      "https://a.test/2.jpg",
      "https://a.test/3.jpg",
    ]);
  });
});

describe("ProductCsvReader, fed as an upload arrives", () => {
  const samples = {
    "quoted cells with commas and new lines, CRLF": `\uFEFF${header}\r\n1,"Shirt, blue","https://a.test/1.jpg,\r\nhttps://a.test/2.jpg"\r\n2,Mug,https://a.test/3.jpg\r\n`,
    "semicolons, no final line end": `S. No.;Product Name;Input Image Urls\n1;SKU1;https://a.test/1.jpg,https://a.test/2.jpg\n2;SKU2;https://a.test/2.jpg`,
    "problems on several rows": `${header}\n1,,https://a.test/1.jpg\nx,SKU2,file:///etc/passwd\n3,"unclosed,https://a.test/3.jpg\n`,
    "a missing column": `S. No.,Product Name\n1,SKU1\n`,
    "a stray quote in a quoted cell": `${header}\n1,"Shirt "blue",https://a.test/1.jpg\n2,Mug,https://a.test/2.jpg\n`,
  };

  it.each(Object.entries(samples))("reads %s the same in any pieces as all at once", (_name, text) => {
    const whole = parseProductCsv(text, limits);
    for (const size of [1, 2, 7, 64]) {
      const reader = new ProductCsvReader(limits);
      for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
      expect(reader.end(), `pieces of ${size}`).toEqual(whole);
    }
  });

  it("stops at the image limit, naming it, and reads nothing after", () => {
    const rows = Array.from(
      { length: 10 },
      (_, i) => `${i + 1},P${i},"https://a.test/${i}a.jpg,https://a.test/${i}b.jpg"`,
    );
    const reader = new ProductCsvReader({ ...limits, maxImages: 5 });
    reader.push(`${header}\n${rows.join("\n")}\n`);
    expect(reader.limitCrossed).toEqual({
      limit: "images",
      message: "The file lists more than 5 image URLs, the most one upload may hold. Split it into smaller files.",
    });
    expect(reader.end().products).toHaveLength(2);
  });

  it("stops at the row limit and names the first row past it", () => {
    const rows = Array.from({ length: 5 }, (_, i) => `${i + 1},P${i},https://a.test/${i}.jpg`).join("\n");
    const result = parseProductCsv(`${header}\n${rows}\n`, { ...limits, maxRows: 3 });
    expect(result.limitCrossed?.limit).toBe("rows");
    expect(result.errors).toEqual([{ row: 5, column: null, message: expect.stringContaining("limit is 3 rows") }]);
  });

  it("refuses a product name over the length limit without keeping it whole", () => {
    const result = parseProductCsv(`${header}\n1,${"x".repeat(600)},https://a.test/1.jpg\n`, limits);
    expect(result.errors).toEqual([
      { row: 2, column: "Product Name", message: "Product Name is 600 characters long; the limit is 500." },
    ]);
    expect(result.products[0].productName).toHaveLength(500);
  });
});

/**
 * Characters that string searches look at while `run` runs: every RegExp match (`exec`, which `test`,
 * `replace` and `match` go through), every `indexOf`, `lastIndexOf` and `includes`, and the spaces
 * every `trim` goes over. Counted from where a search starts to where it stops, so a search repeated
 * over text already searched counts again. The work, measured without a clock.
 */
function countSearchedText(run: () => void): number {
  let searched = 0;
  const regExp = RegExp.prototype;
  const string = String.prototype;
  const originals = {
    exec: regExp.exec,
    indexOf: string.indexOf,
    lastIndexOf: string.lastIndexOf,
    includes: string.includes,
    trim: string.trim,
  };
  regExp.exec = function (this: RegExp, input: string) {
    const from = this.global || this.sticky ? this.lastIndex : 0;
    const match = originals.exec.call(this, input);
    // A sticky search looks at one place; any other runs from where it starts to where it stops.
    searched += (match ? match.index + match[0].length : this.sticky ? from + 1 : String(input).length) - from;
    return match;
  };
  string.indexOf = function (this: string, search: string, position?: number) {
    const from = Math.min(Math.max(Math.trunc(position ?? 0) || 0, 0), this.length);
    const found = originals.indexOf.call(this, search, position);
    searched += (found === -1 ? this.length : found + search.length) - from;
    return found;
  };
  string.lastIndexOf = function (this: string, search: string, position?: number) {
    const found = originals.lastIndexOf.call(this, search, position);
    searched += found === -1 ? this.length : this.length - found;
    return found;
  };
  string.includes = function (this: string, search: string, position?: number) {
    searched += this.length;
    return originals.includes.call(this, search, position);
  };
  string.trim = function (this: string) {
    const trimmed = originals.trim.call(this);
    searched += this.length - trimmed.length + 1;
    return trimmed;
  };
  try {
    run();
  } finally {
    Object.assign(regExp, { exec: originals.exec });
    Object.assign(string, {
      indexOf: originals.indexOf,
      lastIndexOf: originals.lastIndexOf,
      includes: originals.includes,
      trim: originals.trim,
    });
  }
  return searched;
}

describe("ProductCsvReader on a 10 MB file with no line break", () => {
  const size = 10 * 1024 * 1024;
  const piece = 64 * 1024;
  const lines = {
    "one unbroken line": "x".repeat(size),
    "a header that never ends": `${header},${"x".repeat(size - header.length - 1)}`,
    "a quote never closed in the header": `"${"x".repeat(size - 1)}`,
    "a product row that never ends": `${header}\n1,"Shirt ${"x".repeat(size - header.length - 10)}`,
  };

  // Each piece used to make the reader look for the header's end again over the whole unfinished line:
  // 160 pieces of 64 KB, 800 MB searched for 10 MB, seconds of CPU on the thread that answers clients.
  it.each(Object.entries(lines))("searches %s a few times at most, fed in 64 KB pieces", (_name, text) => {
    let result!: ParsedProductCsv;
    const searched = countSearchedText(() => {
      const reader = new ProductCsvReader(limits);
      for (let i = 0; i < text.length; i += piece) reader.push(text.slice(i, i + piece));
      result = reader.end();
    });
    // A few searches per parse (papaparse's, the header's), and an unfinished record parsed again each
    // time it doubles: 4 to 8 times the text today.
    expect(searched).toBeLessThan(12 * text.length);
    expect(result).toEqual(parseProductCsv(text, limits));
  });

  // papaparse looked again at the spaces before the next delimiter for every stray quote: 20,000 of
  // them cost it 400 million characters here, and a 10 MB file of them hours.
  it("searches a cell of stray quotes before a run of spaces once", () => {
    const text = `${header}\n1,"${'x"'.repeat(20_000)}${" ".repeat(20_000)},https://a.test/1.jpg\n`;
    let result!: ParsedProductCsv;
    const searched = countSearchedText(() => {
      const reader = new ProductCsvReader(limits);
      for (let i = 0; i < text.length; i += piece) reader.push(text.slice(i, i + piece));
      result = reader.end();
    });
    expect(searched).toBeLessThan(12 * text.length);
    expect(result.errorCount).toBe(20_000);
    expect(result.errors[0]).toEqual({
      row: 2,
      column: null,
      message: 'A cell has a stray " inside it; write a quote inside a quoted cell as "".',
    });
  });

  it("answers as it did: the line is a header, and it names what is missing", () => {
    const reader = new ProductCsvReader(limits);
    const text = lines["one unbroken line"];
    for (let i = 0; i < text.length; i += piece) reader.push(text.slice(i, i + piece));
    const found = `found "${"x".repeat(59)}…".`;
    expect(reader.end().errors).toEqual(
      ["S. No.", "Product Name", "Input Image Urls"].map((column) => ({
        row: 1,
        column,
        message: `Missing column "${column}". The header row must name "S. No.", "Product Name" and "Input Image Urls"; ${found}`,
      })),
    );
    const headerOnly = new ProductCsvReader(limits);
    headerOnly.push(lines["a header that never ends"]);
    expect(headerOnly.end().errors).toEqual([
      {
        row: null,
        column: null,
        message: "The CSV has a header row but no products. Add one row per product below the header.",
      },
    ]);
  });
});

describe("CsvTextDecoder", () => {
  it("reads a file as Windows-1252 when a byte that is not UTF-8 comes late, from the start again", () => {
    const ascii = `${header}\n${Array.from({ length: 400 }, (_, i) => `${i + 1},Plain ${i},https://a.test/${i}.jpg`).join("\n")}\n`;
    const bytes = Buffer.concat([
      Buffer.from(ascii),
      Buffer.from("401,Caf"),
      Buffer.from([0xe9]),
      Buffer.from(",https://a.test/c.jpg\n"),
    ]);
    expect(bytes.length).toBeGreaterThan(8192);

    const decoder = new CsvTextDecoder();
    let text = "";
    let restarts = 0;
    for (let i = 0; i < bytes.length; i += 1000) {
      const piece = decoder.push(bytes.subarray(i, i + 1000));
      if (piece.restart) restarts++;
      text = piece.restart ? piece.text : text + piece.text;
    }
    const last = decoder.end();
    text = last.restart ? last.text : text + last.text;
    expect(restarts).toBe(1);
    expect(text).toBe(`${ascii}401,Café,https://a.test/c.jpg\n`);
  });
});
