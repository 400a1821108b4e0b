import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestStatus } from "@/lib/contract";
import { download, failuresReport, getStatus, settle, uploadCsv } from "@/test/api";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { readCsv } from "@/test/read-csv";
import { cutoutPng, photoJpeg } from "@/test/sample-images";
import { shopifyExport, wooCommerceExport } from "@/test/shop-exports";

let images: ImageServer;
const image = (name: string) => images.url(`/${name}`);
const failing = () => images.url("/gone.jpg");

beforeAll(async () => {
  images = await startImageServer();
  const [jpeg, png] = await Promise.all([photoJpeg(), cutoutPng()]);
  for (const name of ["tee-red.jpg", "tee-back.jpg", "mug.jpg", "hoodie.jpg", "beanie.jpg", "a.jpg", "b.jpg"])
    images.route(`/${name}`, serveBytes(jpeg, "image/jpeg"));
  for (const name of ["tee-blue.png", "hoodie-back.png"]) images.route(`/${name}`, serveBytes(png, "image/png"));
});

afterAll(() => images.close());

/** The output CSV's text exactly as served: bytes decoded without dropping a byte order mark. */
async function outputText(requestId: string): Promise<string> {
  const response = await download(requestId);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer()).toString("utf8");
}

/** Each input URL of the request and what it became: its output URL, or null when it failed. */
function outputsOf(status: RequestStatus): Map<string, string | null> {
  return new Map(status.products.flatMap((product) => product.images.map((one) => [one.inputUrl, one.outputUrl])));
}

function rowsOf(text: string): string[][] {
  return Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: false }).data.filter(
    (row) => !(row.length === 1 && row[0] === ""),
  );
}

/**
 * The checks every re-import layout must pass: the same header and rows, every image URL of the
 * image columns replaced by its compressed copy or, for a failed image, kept; and with each output
 * URL put back to its input, the very bytes that were uploaded.
 */
function expectSameFileWithNewUrls(input: string, output: string, status: RequestStatus, imageColumns: string[]) {
  const outputs = outputsOf(status);
  let restored = output;
  for (const [inputUrl, outputUrl] of outputs) if (outputUrl) restored = restored.replaceAll(outputUrl, inputUrl);
  expect(restored).toBe(input);

  const [before, after] = [rowsOf(input), rowsOf(output)];
  expect(after[0]).toEqual(before[0]);
  expect(after).toHaveLength(before.length);
  const urlColumns = imageColumns.map((name) => before[0].indexOf(name));
  for (let row = 1; row < before.length; row++) {
    for (let column = 0; column < before[row].length; column++) {
      if (!urlColumns.includes(column)) expect(after[row][column]).toBe(before[row][column]);
    }
  }
  for (const [inputUrl, outputUrl] of outputs) {
    if (outputUrl) {
      expect(output).not.toContain(inputUrl);
      expect(output).toContain(outputUrl);
    } else expect(output).toContain(inputUrl);
  }
}

describe("a Shopify product export", () => {
  it("comes back as the same file with each image URL replaced by its compressed copy", async () => {
    const csv = shopifyExport(image, failing());
    const response = await uploadCsv(csv, { fileName: "products_export_1.csv" });
    expect(response.status).toBe(202);
    const accepted = await response.json();
    // The gift card has no image: it comes back as it is and is not a product to process.
    expect(accepted).toMatchObject({ layout: "shopify", products: 2, uniqueImages: 5 });

    const status = await settle(accepted.requestId);
    expect(status.status).toBe("completed");
    expect(status.progress).toMatchObject({ totalImages: 5, processedImages: 4, failedImages: 1 });
    expect(status.products.map((product) => [product.serialNumber, product.productName, product.rowNumber])).toEqual([
      ["classic-tee", "Classic Tee, organic", 2],
      ["stoneware-mug", "Stoneware Mug", 6],
    ]);
    // A variant's image is one of its product's images, counted once.
    expect(status.products[0].images.map((one) => one.inputUrl)).toEqual([
      image("tee-red.jpg"),
      image("tee-blue.png"),
      failing(),
      image("tee-back.jpg"),
    ]);

    const output = await outputText(accepted.requestId);
    expectSameFileWithNewUrls(csv, output, status, ["Image Src", "Variant Image"]);
    const rows = rowsOf(output);
    const [src, variant] = [rows[0].indexOf("Image Src"), rows[0].indexOf("Variant Image")];
    // One input URL, one output URL everywhere: a variant's image still matches its product's image.
    expect(rows[1][variant]).toBe(rows[1][src]);
    expect(rows[2][variant]).toBe(rows[2][src]);
    expect(rows[3][variant]).toBe(rows[2][src]);
    expect(rows[6][src]).toBe(rows[1][src]);
    // The failed image keeps its URL; a re-import never loses a picture.
    expect(rows[3][src]).toBe(failing());
    // Cells a spreadsheet would run are the shop's own: nothing is added to them.
    expect(rows[1][rows[0].indexOf("Variant Barcode")]).toBe("=0012345");

    // The failures report names the row the failed image is on, not its product's first row.
    const report = readCsv(await (await failuresReport(accepted.requestId)).text());
    expect(report.slice(1).map((row) => row.slice(0, 4))).toEqual([
      ["4", "classic-tee", "Classic Tee, organic", failing()],
    ]);
  }, 90_000);
});

describe("a Shopify product over several rows", () => {
  it("names an image's own row when another image of the upload has the same bytes", async () => {
    // The socks' image has the bytes of the tee's second image, on row 3, and is held until that
    // one is done, so it copies its output.
    const twin = await photoJpeg(321, 213);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    images.route("/tee-side.jpg", serveBytes(twin, "image/jpeg"));
    images.route("/socks.jpg", async (request, response, hit) => {
      await released;
      await serveBytes(twin, "image/jpeg")(request, response, hit);
    });
    const csv = [
      "Handle,Title,Image Src",
      `tee,Tee,${image("tee-blue.png")}`,
      `tee,,${image("tee-side.jpg")}`,
      `socks,Socks,${image("socks.jpg")}`,
      "",
    ].join("\n");
    const { requestId } = await (await uploadCsv(csv)).json();
    for (let tries = 0; tries < 400; tries++) {
      const light = await (await getStatus(requestId, "?products=0")).json();
      if (light.progress.processedImages === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    release();
    const status = await settle(requestId);
    expect(status.products.map((product) => product.rowNumber)).toEqual([2, 4]);
    expect(status.products[1].images[0]).toMatchObject({ reused: true, sameAsRow: 3 });
  });
});

describe("a WooCommerce product export", () => {
  it("comes back as the same file, byte order mark and CRLF included, with image URLs replaced in place", async () => {
    const csv = wooCommerceExport(image, failing());
    const response = await uploadCsv(csv, { fileName: "wc-product-export.csv", type: "application/vnd.ms-excel" });
    expect(response.status).toBe(202);
    const accepted = await response.json();
    expect(accepted).toMatchObject({ layout: "woocommerce", products: 3, uniqueImages: 4 });

    const status = await settle(accepted.requestId);
    expect(status.status).toBe("completed");
    expect(status.products.map((product) => [product.serialNumber, product.productName])).toEqual([
      ["44", "Hoodie"],
      ["45", "Hoodie - Blue"],
      ["47", "Beanie"],
    ]);

    const output = await outputText(accepted.requestId);
    expect(output.startsWith("\uFEFF")).toBe(true);
    expectSameFileWithNewUrls(csv, output, status, ["Images"]);
    const beanie = rowsOf(output)[4][16];
    const outputs = outputsOf(status);
    // Separators and spaces between URLs are the seller's; only the URLs change.
    expect(beanie).toBe(`${outputs.get(image("beanie.jpg"))},${failing()},  ${outputs.get(image("hoodie-back.png"))}`);
  }, 90_000);
});

describe("the template with columns of the seller's own", () => {
  it("keeps them in place, unchanged, with Output Image Urls right after Input Image Urls", async () => {
    const csv = [
      "S. No.,Product Name,Brand,Input Image Urls,Notes",
      `1,Red shirt,Acme,"${image("a.jpg")}, ${image("b.jpg")}","Ships in 2 days, tracked"`,
      `2,Blue shirt,,${image("a.jpg")},`,
    ].join("\n");
    const response = await uploadCsv(csv);
    expect(response.status).toBe(202);
    const accepted = await response.json();
    expect(accepted.layout).toBe("template");
    const status = await settle(accepted.requestId);
    const outputs = outputsOf(status);

    const rows = readCsv(await outputText(accepted.requestId));
    expect(rows[0]).toEqual(["S. No.", "Product Name", "Brand", "Input Image Urls", "Output Image Urls", "Notes"]);
    expect(rows[1]).toEqual([
      "1",
      "Red shirt",
      "Acme",
      `${image("a.jpg")}, ${image("b.jpg")}`,
      `${outputs.get(image("a.jpg"))}, ${outputs.get(image("b.jpg"))}`,
      "Ships in 2 days, tracked",
    ]);
    expect(rows[2]).toEqual(["2", "Blue shirt", "", image("a.jpg"), outputs.get(image("a.jpg")), ""]);
  }, 90_000);
});

describe("a CSV in no known layout, with a column mapping", () => {
  const csv = () =>
    [
      "Item code;Item title;Main picture;More pictures;Price",
      `A-1;Linen scarf;${image("a.jpg")};${image("b.jpg")}, ${image("tee-red.jpg")};12,50`,
      `A-2;Wool socks;;;4,00`,
      `A-3;"Cotton ""bag""";${image("b.jpg")};;3,00`,
    ].join("\r\n");

  it("is refused without one, as before, naming the template's columns", async () => {
    const response = await uploadCsv(csv());
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors.map((error: { column: string }) => error.column)).toEqual([
      "S. No.",
      "Product Name",
      "Input Image Urls",
    ]);
  });

  it("is read with the columns the mapping names, and comes back with image URLs replaced in place", async () => {
    const response = await uploadCsv(csv(), {
      fields: { idColumn: "Item code", nameColumn: "item title", imageColumns: ["Main picture", "More pictures"] },
    });
    expect(response.status).toBe(202);
    const accepted = await response.json();
    expect(accepted).toMatchObject({ layout: "mapped", products: 2, images: 4, uniqueImages: 3 });
    const status = await settle(accepted.requestId);
    expect(status.products.map((product) => [product.serialNumber, product.productName])).toEqual([
      ["A-1", "Linen scarf"],
      ["A-3", 'Cotton "bag"'],
    ]);
    expectSameFileWithNewUrls(csv(), await outputText(accepted.requestId), status, ["Main picture", "More pictures"]);
  }, 90_000);

  it.each([
    [
      { nameColumn: "Title", imageColumns: ["Main picture"] },
      "nameColumn",
      /nameColumn: the CSV has no column "Title"; its columns are "Item code", "Item title"/,
    ],
    [{ nameColumn: "Item title" }, "imageColumns", /imageColumns is missing/],
    [{ idColumn: "Item code", imageColumns: ["Main picture"] }, "nameColumn", /nameColumn is missing/],
    [
      { nameColumn: "Item title", imageColumns: ["Item title"] },
      "imageColumns",
      /"Item title" is the name column; image URLs must come from another column/,
    ],
    [
      { idColumn: "Item code", nameColumn: "Item title", imageColumns: ["Item code"] },
      "imageColumns",
      /"Item code" is the id column/,
    ],
    [{ nameColumn: "Item title", imageColumns: ["Price"] }, "Price", /"12,50" is not an absolute URL/],
  ])("is refused with a mapping that cannot be read (%j)", async (fields, column, message) => {
    const response = await uploadCsv(csv(), { fields });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.isValid).toBe(false);
    const problem = body.errors.find((error: { column: string }) => error.column === column);
    expect(problem?.message).toMatch(message);
  });

  it("says so when the mapped image columns hold no URL at all", async () => {
    const response = await uploadCsv("Code,Name,Photo\r\n1,Scarf,\r\n2,Socks,\r\n", {
      fields: { nameColumn: "Name", imageColumns: "Photo" },
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0].message).toMatch(/No image URLs found: every row's "Photo" is empty/);
  });
});
