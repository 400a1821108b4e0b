import { describe, expect, it } from "vitest";
import { shopifyExport, wooCommerceExport } from "@/test/shop-exports";
import { findLayout, suggestMapping } from "./csv-layout";
import { outputCsvText, replaceUrls } from "./output-csv-text";
import { parseProductCsv } from "./parse-product-csv";

const limits = { maxRows: 100, maxUrlsPerRow: 5, maxImages: 1000, maxProductNameLength: 200 };
const image = (name: string) => `https://cdn.shop.test/files/${name}`;

describe("the layout of a header", () => {
  it("is the template when its three columns are there, whatever else is", () => {
    const found = findLayout(["S.No", "Brand", "product name", "Input Image Urls", "Notes"], null);
    expect(found).toEqual({ layout: { kind: "template", ids: [0], name: 2, images: [3] } });
  });

  it("recognises Shopify and WooCommerce exports by their columns", () => {
    const shopify = parseProductCsv(shopifyExport(image, image("gone.jpg")), limits);
    expect(shopify.layout).toMatchObject({ kind: "shopify", ids: [0], name: 1 });
    const woo = parseProductCsv(wooCommerceExport(image, image("gone.jpg")), limits);
    expect(woo.layout).toMatchObject({ kind: "woocommerce", ids: [0, 2], name: 3 });
  });

  it("names the template's missing columns for any other header, as before", () => {
    const found = findLayout(["Code", "Title", "Photo"], null);
    expect("problems" in found && found.problems.map((problem) => problem.column)).toEqual([
      "S. No.",
      "Input Image Urls",
    ]);
  });
});

describe("a Shopify export read", () => {
  const csv = parseProductCsv(shopifyExport(image, image("gone.jpg")), limits);

  it("groups rows by Handle, names the product from its first row, and lists each image once", () => {
    expect(csv.errors).toEqual([]);
    expect(
      csv.products.map(({ serialNumber, productName, rowNumber, imageUrls }) => ({
        serialNumber,
        productName,
        rowNumber,
        imageUrls,
      })),
    ).toEqual([
      {
        serialNumber: "classic-tee",
        productName: "Classic Tee, organic",
        rowNumber: 2,
        imageUrls: [image("tee-red.jpg"), image("tee-blue.png"), image("gone.jpg"), image("tee-back.jpg")],
      },
      {
        serialNumber: "stoneware-mug",
        productName: "Stoneware Mug",
        rowNumber: 6,
        imageUrls: [image("mug.jpg"), image("tee-red.jpg")],
      },
    ]);
    // The tee's red image is also the mug's second: one image, downloaded once.
    expect(csv.uniqueImageCount).toBe(5);
  });

  it("refuses a URL that cannot be downloaded, naming its row and column", () => {
    const broken = shopifyExport(image, "ftp://files.shop.test/x.jpg");
    expect(parseProductCsv(broken, limits).errors).toEqual([
      { row: 4, column: "Image Src", message: expect.stringContaining("only http and https") },
    ]);
  });

  it("holds a product to the images-per-product limit", () => {
    const csv = parseProductCsv(shopifyExport(image, image("gone.jpg")), { ...limits, maxUrlsPerRow: 3 });
    expect(csv.errors).toEqual([
      {
        row: 5,
        column: "Image Src",
        message: 'The product "classic-tee" has more than 3 images; the limit is 3 per product.',
      },
    ]);
  });
});

describe("a mapping", () => {
  const text = "Code,Title,Photo,Gallery\nA-1,Scarf,https://a.test/1.jpg,https://a.test/2.jpg\n";

  it("reads the columns it names, forgivingly", () => {
    const csv = parseProductCsv(text, limits, { idColumn: "code", nameColumn: "TITLE", imageColumns: ["Gallery"] });
    expect(csv.errors).toEqual([]);
    expect(csv.layout).toEqual({ kind: "mapped", ids: [0], name: 1, images: [3] });
    expect(csv.products[0]).toMatchObject({
      serialNumber: "A-1",
      productName: "Scarf",
      imageUrls: ["https://a.test/2.jpg"],
    });
  });

  it("numbers products by row without an id column", () => {
    const csv = parseProductCsv(text, limits, { idColumn: null, nameColumn: "Title", imageColumns: ["Photo"] });
    expect(csv.products[0].serialNumber).toBe("2");
  });

  it("is suggested from the header's names", () => {
    expect(suggestMapping(["Code", "Item title", "Main picture", "Image 2", "Price"])).toEqual({
      idColumn: "Code",
      nameColumn: "Item title",
      imageColumns: ["Main picture", "Image 2"],
    });
  });
});

describe("URLs replaced in a cell", () => {
  it("keeps separators and spaces, and a URL with no output as it was", () => {
    const outputs = new Map([
      ["https://a.test/1.jpg", "https://out.test/1.jpg"],
      ["https://a.test/w_1,h_2/2.jpg", "https://out.test/2.jpg"],
      ["https://a.test/3.jpg", null],
    ]);
    expect(replaceUrls(" https://a.test/1.jpg ,https://a.test/w_1,h_2/2.jpg,  https://a.test/3.jpg", outputs)).toBe(
      " https://out.test/1.jpg ,https://out.test/2.jpg,  https://a.test/3.jpg",
    );
  });
});

describe("the template's output", () => {
  const outputs = new Map([["https://a.test/1.jpg", "https://out.test/1.jpg"]]);
  const write = async (input: string) => {
    let text = "";
    for await (const piece of outputCsvText(input, null, outputs)) text += piece;
    return text;
  };

  it("keeps extra columns in place, the output column after the input URLs", async () => {
    expect(
      await write("Brand,S. No.,Product Name,Input Image Urls,Notes\nAcme,1.,Shirt ,https://a.test/1.jpg,=x\n"),
    ).toBe(
      'Brand,S. No.,Product Name,Input Image Urls,Output Image Urls,Notes\r\nAcme,1,Shirt,https://a.test/1.jpg,https://out.test/1.jpg,"\'=x"\r\n',
    );
  });

  it("replaces the output column of an earlier output uploaded again instead of adding a second", async () => {
    const earlier =
      "S. No.,Product Name,Input Image Urls,Output Image Urls,Notes\n1,Shirt,https://a.test/1.jpg,https://old.test/1.jpg,n\n";
    expect(await write(earlier)).toBe(
      "S. No.,Product Name,Input Image Urls,Output Image Urls,Notes\r\n1,Shirt,https://a.test/1.jpg,https://out.test/1.jpg,n\r\n",
    );
  });
});
