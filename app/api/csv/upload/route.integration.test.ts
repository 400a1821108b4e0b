import Papa from "papaparse";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { download, getFile, getStatus, settle, uploadCsv } from "@/test/api";
import { requestsNamed, uniqueFileName } from "@/test/db";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { readCsv } from "@/test/read-csv";
import { cutoutPng, photoJpeg } from "@/test/sample-images";
import { getStorage } from "@/lib/storage/get-storage";
import { PRODUCT_CSV_HEADER, productCsv } from "@/test/product-csv";

let images: ImageServer;
let jpeg: Buffer;
let png: Buffer;

beforeAll(async () => {
  images = await startImageServer();
  [jpeg, png] = await Promise.all([photoJpeg(), cutoutPng()]);
  images.route("/a.jpg", serveBytes(jpeg, "image/jpeg"));
  images.route("/b.png", serveBytes(png, "image/png"));
  images.route("/c.jpg", serveBytes(await photoJpeg(200, 300), "image/jpeg"));
  // An image host's CDN often sends a generic type; the bytes decide.
  images.route("/d", serveBytes(await photoJpeg(120, 90), "application/octet-stream"));
  images.route("/large.jpg", serveBytes(await photoJpeg(800, 600), "image/jpeg"));
});

afterAll(() => images.close());

describe("upload → status → download", () => {
  it("compresses every image and returns the output CSV in input order", async () => {
    const csv = [
      PRODUCT_CSV_HEADER,
      `1,SKU1,"${images.url("/a.jpg")},${images.url("/missing.jpg")},${images.url("/b.png")}"`,
      `2,=SKU2,${images.url("/c.jpg")}`,
      `3,SKU3,"${images.url("/d")}, ${images.url("/a.jpg")}"`,
    ].join("\n");

    const response = await uploadCsv(csv);
    expect(response.status).toBe(202);
    const accepted = await response.json();
    expect(accepted).toMatchObject({
      isValid: true,
      status: "processing",
      products: 3,
      images: 6,
      uniqueImages: 5,
      quality: 50,
      uploadedToS3: { status: "uploaded", uploadedFilename: expect.stringMatching(/^\d+-products\.csv$/) },
      statusUrl: `/api/csv/status/${accepted.requestId}`,
      downloadUrl: `/api/csv/download/${accepted.requestId}`,
    });
    expect(response.headers.get("location")).toBe(accepted.statusUrl);

    const early = await (await getStatus(accepted.requestId)).json();
    expect(["processing", "completed"]).toContain(early.status);

    const status = await settle(accepted.requestId);
    expect(status.status).toBe("completed");
    expect(status.progress).toEqual({
      totalImages: 5,
      processedImages: 4,
      failedImages: 1,
      cancelledImages: 0,
      reusedImages: 0,
      percent: 100,
    });
    expect(status.completedAt).not.toBeNull();
    // The same URL in two rows was downloaded once.
    expect(images.hits("/a.jpg")).toBe(1);

    const [first] = status.products;
    expect(first.images.map((image) => image.status)).toEqual(["completed", "failed", "completed"]);
    expect(first.images[1].error).toMatch(/not found \(HTTP 404\)/i);

    const output = await download(accepted.requestId);
    expect(output.status).toBe(200);
    expect(output.headers.get("content-type")).toContain("text/csv");
    expect(output.headers.get("content-disposition")).toContain('filename="products-output.csv"');
    const rows = readCsv(await output.text());
    expect(rows[0]).toEqual(["S. No.", "Product Name", "Input Image Urls", "Output Image Urls"]);
    expect(rows.slice(1).map((row) => row.slice(0, 2))).toEqual([
      ["1", "SKU1"],
      ["2", "'=SKU2"],
      ["3", "SKU3"],
    ]);
    const outputs = rows.slice(1).map((row) => row[3].split(", "));
    expect(outputs.map((urls) => urls.length)).toEqual([3, 1, 2]);
    expect(outputs[0][1]).toBe("");
    // Both rows naming /a.jpg point at the one compressed copy.
    expect(outputs[2][1]).toBe(outputs[0][0]);

    const storage = await getStorage();
    const pairs: [Buffer, string][] = [
      [jpeg, outputs[0][0]],
      [png, outputs[0][2]],
    ];
    for (const [original, url] of pairs) {
      const key = decodeURIComponent(new URL(url).pathname.replace(/^\/files\//, ""));
      const stored = await storage.get(key);
      const bytes = Buffer.from(await new Response(stored!.body).arrayBuffer());
      const [before, after] = await Promise.all([sharp(original).metadata(), sharp(bytes).metadata()]);
      expect(after.format).toBe(before.format);
      expect([after.width, after.height]).toEqual([before.width, before.height]);
      expect(bytes.length).toBeLessThan(original.length);
    }
    expect(first.images[0].bytesOut).toBeLessThan(first.images[0].bytesIn!);
  });

  it("writes no formula for a reader that splits the output CSV on ; or tab", async () => {
    // European Excel splits a .csv on `;`, other readers on tabs; neither honours our quotes, so a
    // field starts for them after every `;`, tab or line break, wherever it is in the line.
    const names = ["x;=1+2;", "x\t=1+2\ty", 'a;"=1+2', "Shirt\n@SUM(A1)"];
    const written = ["x;'=1+2;", "x\t'=1+2\ty", "a;'\"=1+2", "Shirt\n'@SUM(A1)"];
    const url = images.url("/a.jpg");
    const rows = names.map((name, i) => `${i + 1},"${name.replace(/"/g, '""')}",${url}`);
    const accepted = await (await uploadCsv(`${PRODUCT_CSV_HEADER}\n${rows.join("\n")}\n`)).json();
    const status = await settle(accepted.requestId);
    expect(status.status).toBe("completed");
    const output = await (await download(accepted.requestId)).text();

    for (const separator of [";", "\t"]) {
      const fields = output.split(/\r\n|\r|\n/).flatMap((line) => line.split(separator));
      // Behind quote marks too: a reader that honours a quote there reads `""=1` as "" then =1.
      expect(fields.filter((field) => /^"*[=+\-@\t]/.test(field))).toEqual([]);
    }
    const parsed = Papa.parse<string[]>(output, { delimiter: ",", newline: "\r\n", skipEmptyLines: true }).data;
    expect(parsed.slice(1).map((row) => row[1])).toEqual(written);
    expect(written.map((cell) => cell.replace(/'/g, ""))).toEqual(names);
    const outputUrl = status.products[0].images[0].outputUrl;
    expect(parsed.slice(1).map((row) => row.slice(2))).toEqual(names.map(() => [url, outputUrl]));
  });

  it("answers 409 with the status while a request is processing", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    images.route("/slow.jpg", async (_request, response) => {
      await gate;
      serveBytes(jpeg, "image/jpeg")(_request, response, 1);
    });
    const accepted = await (await uploadCsv(productCsv(["Slow", images.url("/slow.jpg")]))).json();
    const conflict = await download(accepted.requestId);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({
      status: "processing",
      requestId: accepted.requestId,
      progress: { totalImages: 1 },
    });
    release();
    expect((await settle(accepted.requestId)).status).toBe("completed");
    expect((await download(accepted.requestId)).status).toBe(200);
  });

  it("marks a request failed when none of its images could be processed", async () => {
    const accepted = await (await uploadCsv(productCsv(["Gone", images.url("/gone.jpg")]))).json();
    const status = await settle(accepted.requestId);
    expect(status.status).toBe("failed");
    expect(status.error).toBe("The image could not be processed; its reason is listed with it.");
    const rows = readCsv(await (await download(accepted.requestId)).text());
    expect(rows[1]).toEqual(["1", "Gone", images.url("/gone.jpg"), ""]);
  });

  it("uses the request's quality", async () => {
    const csv = productCsv(["Q", images.url("/a.jpg")]);
    const low = await (await uploadCsv(csv, { fields: { quality: "10" } })).json();
    const high = await (await uploadCsv(csv, { fields: { quality: "90" } })).json();
    const [lowStatus, highStatus] = [await settle(low.requestId), await settle(high.requestId)];
    expect(lowStatus.quality).toBe(10);
    expect(lowStatus.products[0].images[0].bytesOut).toBeLessThan(highStatus.products[0].images[0].bytesOut!);
  });

  it("goes ahead without fields it does not read, and says so, guessing what a misspelt one meant", async () => {
    const csv = productCsv(["Q", images.url("/a.jpg")]);
    const response = await uploadCsv(csv, {
      fields: { qualty: "10", Max_Width: "100", submit: "Upload", quality: "80" },
    });
    expect(response.status).toBe(202);
    const accepted = await response.json();
    expect(accepted.warnings).toEqual([
      'The form field "qualty" is not one an upload reads and was ignored (did you mean "quality"?).',
      'The form field "Max_Width" is not one an upload reads and was ignored (did you mean "maxWidth"?).',
      'The form field "submit" is not one an upload reads and was ignored.',
    ]);
    expect(accepted).toMatchObject({ quality: 80, options: { maxWidth: null } });
    const plain = await (await uploadCsv(csv)).json();
    expect(plain.warnings).toEqual([]);
    await Promise.all([settle(accepted.requestId), settle(plain.requestId)]);
  });

  it("answers 404 for an unknown request", async () => {
    expect((await getStatus("no-such-request")).status).toBe(404);
    expect((await download("no-such-request")).status).toBe(404);
  });

  it("pages the product list", async () => {
    const rows = Array.from({ length: 7 }, (_, i) => `${i + 1},P${i + 1},${images.url("/a.jpg")}`).join("\n");
    const accepted = await (await uploadCsv(`${PRODUCT_CSV_HEADER}\n${rows}\n`)).json();
    await settle(accepted.requestId);
    const page = await (await getStatus(accepted.requestId, "?page=2&pageSize=3")).json();
    expect(page.pagination).toEqual({ page: 2, pageSize: 3, totalItems: 7, totalPages: 3 });
    expect(page.products.map((p: { productName: string }) => p.productName)).toEqual(["P4", "P5", "P6"]);
  });
});

describe("CSV rules at upload", () => {
  const valid = () => `${PRODUCT_CSV_HEADER}\n1,SKU1,${images.url("/a.jpg")}\n`;

  async function expectAccepted(body: string | Uint8Array, options?: Parameters<typeof uploadCsv>[1]) {
    const response = await uploadCsv(body, options);
    const json = await response.json();
    expect(response.status, JSON.stringify(json)).toBe(202);
    await settle(json.requestId);
    return json;
  }

  async function expectRejected(status: number, body: string | Uint8Array, options?: Parameters<typeof uploadCsv>[1]) {
    const fileName = options?.fileName ?? uniqueFileName();
    const response = await uploadCsv(body, { ...options, fileName });
    expect(response.status).toBe(status);
    const json = await response.json();
    expect(json.isValid).toBe(false);
    expect(await requestsNamed(fileName)).toBe(0);
    return json;
  }

  it("accepts a UTF-8 byte order mark", async () => {
    expect((await expectAccepted(`\uFEFF${valid()}`)).products).toBe(1);
  });

  it("accepts CRLF line ends", async () => {
    expect((await expectAccepted(valid().replace(/\n/g, "\r\n"))).products).toBe(1);
  });

  it("accepts a quoted cell with many URLs", async () => {
    const urls = ["/a.jpg", "/b.png", "/c.jpg", "/d"].map((path) => images.url(path));
    const json = await expectAccepted(`${PRODUCT_CSV_HEADER}\n1,"Shirt, blue","${urls.join(", ")}"\n`);
    expect(json.images).toBe(4);
  });

  it("accepts serial numbers written 1.", async () => {
    await expectAccepted(`${PRODUCT_CSV_HEADER}\n1.,SKU1,${images.url("/a.jpg")}\n2.,SKU2,${images.url("/b.png")}\n`);
  });

  it("accepts the content types Excel and browsers send", async () => {
    for (const type of ["application/vnd.ms-excel", "application/octet-stream", ""]) {
      await expectAccepted(valid(), { type, fileName: "export.csv" });
    }
  });

  it("rejects a missing column with its name, and says what other files it reads", async () => {
    const json = await expectRejected(400, `S. No.,Product Name\n1,SKU1\n`);
    expect(json.errors).toEqual([
      { row: 1, column: "Input Image Urls", message: expect.stringContaining("Missing column") },
    ]);
    // The dashboard offers a mapping form; an API client is told of the fields instead.
    expect(json.error).toBe(
      "The CSV has 1 problem; nothing was stored. A Shopify or WooCommerce product export is read as it is; for other columns, name them with the upload's nameColumn, imageColumns and idColumn fields.",
    );
  });

  it("rejects an empty file", async () => {
    const json = await expectRejected(400, "");
    expect(json.errors[0].message).toContain("empty");
  });

  it("rejects a PRODUCT_CSV_HEADER without rows", async () => {
    const json = await expectRejected(400, `${PRODUCT_CSV_HEADER}\r\n`);
    expect(json.errors[0].message).toContain("no products");
  });

  it("rejects URLs that are not http(s), naming each row", async () => {
    const json = await expectRejected(
      400,
      `${PRODUCT_CSV_HEADER}\n1,A,file:///etc/passwd\n2,B,${images.url("/a.jpg")}\n3,C,ftp://host/x.jpg\n`,
    );
    expect(json.errors.map((error: { row: number }) => error.row)).toEqual([2, 4]);
    expect(json.error).toBe("The CSV has 2 problems; nothing was stored.");
  });

  it("rejects an image uploaded instead of a CSV with 415", async () => {
    const json = await expectRejected(415, new Uint8Array(jpeg), { type: "text/csv" });
    expect(json.error).toContain("JPEG image, not a CSV");
  });

  it("rejects a file over the size limit with 413", async () => {
    const big = `${PRODUCT_CSV_HEADER}\n1,${"x".repeat(10 * 1024 * 1024)},${images.url("/a.jpg")}\n`;
    const json = await expectRejected(413, big);
    expect(json.error).toMatch(/larger than the 10 MB limit/);
  });

  it("refuses a file of one 10 MB line as a PRODUCT_CSV_HEADER that names no column", async () => {
    const json = await expectRejected(400, "x".repeat(10 * 1024 * 1024));
    expect(json.errors).toEqual(
      ["S. No.", "Product Name", "Input Image Urls"].map((column) => ({
        row: 1,
        column,
        message: expect.stringContaining(`Missing column "${column}"`),
      })),
    );
  });

  it("stops reading a streamed upload once it passes the limit", async () => {
    const { POST } = await import("./route");
    let sent = 0;
    const fileName = uniqueFileName();
    const chunk = new TextEncoder().encode(`${"x".repeat(1024 * 1024 - 1)}\n`);
    // A chunked body with no Content-Length that would go on for 100 MB.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 100) return controller.close();
        sent++;
        controller.enqueue(
          sent === 1
            ? new TextEncoder().encode(
                `--b\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n\r\n`,
              )
            : chunk,
        );
      },
    });
    const response = await POST(
      new Request("http://127.0.0.1:3999/api/csv/upload", {
        method: "POST",
        body,
        headers: { "content-type": "multipart/form-data; boundary=b" },
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect((await response.json()).error).toBe(
      "The upload is larger than the 10 MB limit. Split it into smaller files.",
    );
    expect(sent).toBeLessThan(20);
    expect(await requestsNamed(fileName)).toBe(0);
  });

  it("rejects a bad quality or webhook URL, naming the fields, not the CSV", async () => {
    const json = await expectRejected(400, valid(), {
      fields: { quality: "150", webhookUrl: "ftp://example.test/hook" },
    });
    expect(json).toMatchObject({ code: "bad_request:upload", error: "2 form fields are invalid; nothing was stored." });
    expect(json.errors).toEqual([
      { row: null, column: "quality", message: expect.stringContaining("quality") },
      { row: null, column: "webhookUrl", message: expect.stringContaining("webhookUrl") },
    ]);

    const one = await expectRejected(400, valid(), { fields: { quality: "0" } });
    expect(one.error).toBe('quality must be a whole number from 1 to 100 (got "0"); nothing was stored.');
  });

  it("rejects a bad format, maxWidth or maxHeight, naming each field", async () => {
    const json = await expectRejected(400, valid(), {
      fields: { format: "gif", maxWidth: "0", maxHeight: "wide" },
    });
    expect(json).toMatchObject({ code: "bad_request:upload", error: "3 form fields are invalid; nothing was stored." });
    expect(json.errors).toEqual([
      {
        row: null,
        column: "format",
        message: 'format must be one of keep, jpeg, png, webp, avif, auto (got "gif").',
      },
      {
        row: null,
        column: "maxWidth",
        message: 'maxWidth must be a whole number of pixels from 1 to 16383 (got "0").',
      },
      {
        row: null,
        column: "maxHeight",
        message: 'maxHeight must be a whole number of pixels from 1 to 16383 (got "wide").',
      },
    ]);
    const tooWide = await expectRejected(400, valid(), { fields: { maxWidth: "20000" } });
    expect(tooWide.error).toBe(
      'maxWidth must be a whole number of pixels from 1 to 16383 (got "20000"); nothing was stored.',
    );
  });

  it("keeps the output options with the request and shows them", async () => {
    const accepted = await expectAccepted(valid(), { fields: { format: "WebP", maxWidth: "800" } });
    expect(accepted.options).toEqual({ format: "webp", maxWidth: 800, maxHeight: null, maxBytes: null });
    const status = await settle(accepted.requestId);
    expect(status.options).toEqual({ format: "webp", maxWidth: 800, maxHeight: null, maxBytes: null });
    const image = status.products[0].images[0];
    expect(image).toMatchObject({ status: "completed", format: "webp" });
    expect(image.outputUrl).toMatch(/\.webp$/);
    const served = await getFile(image.outputUrl!);
    expect(served.headers.get("content-type")).toBe("image/webp");
    expect((await expectAccepted(valid())).options).toEqual({
      format: "keep",
      maxWidth: null,
      maxHeight: null,
      maxBytes: null,
    });
  });

  it("makes every output fit a target size (maxBytes), or fails the image saying it cannot", async () => {
    const csv = productCsv(["Large photo", images.url("/large.jpg")]);
    const plain = await settle((await expectAccepted(csv)).requestId);
    const plainBytes = plain.products[0].images[0].bytesOut!;

    const target = 30_000;
    expect(plainBytes).toBeGreaterThan(target);
    const capped = await expectAccepted(csv, { fields: { maxBytes: String(target) } });
    expect(capped.options).toMatchObject({ format: "keep", maxBytes: target });
    const status = await settle(capped.requestId);
    expect(status.options.maxBytes).toBe(target);
    const image = status.products[0].images[0];
    expect(image).toMatchObject({ status: "completed", format: "jpeg" });
    expect(image.bytesOut).toBeLessThanOrEqual(target);
    const served = Buffer.from(await (await getFile(image.outputUrl!)).arrayBuffer());
    expect(served.length).toBe(image.bytesOut);
    expect(await sharp(served).metadata()).toMatchObject({ width: 800, height: 600 });

    const impossible = await settle((await expectAccepted(csv, { fields: { maxBytes: "1024" } })).requestId);
    expect(impossible.products[0].images[0]).toMatchObject({ status: "failed", outputUrl: null });
    expect(impossible.products[0].images[0].error).toMatch(/cannot be made 1 KB or smaller/);
  });

  it("rejects a target size out of range, naming the field", async () => {
    for (const value of ["1000", "200KB", "-5"]) {
      const json = await expectRejected(400, valid(), { fields: { maxBytes: value } });
      expect(json.errors).toEqual([
        {
          row: null,
          column: "maxBytes",
          message: `maxBytes must be a whole number of bytes from 1024 to 104857600 (got "${value}").`,
        },
      ]);
    }
  });

  it("counts a wrong field among the problems when the CSV has problems too", async () => {
    const json = await expectRejected(
      400,
      `${PRODUCT_CSV_HEADER}
1,,${images.url("/a.jpg")}
`,
      { fields: { quality: "x" } },
    );
    expect(json).toMatchObject({ code: "bad_request:csv", error: "The upload has 2 problems; nothing was stored." });
  });

  it("refuses a file with more image URLs than one upload may hold with 413, keeping nothing", async () => {
    const rows = Array.from(
      { length: 1001 },
      (_, row) =>
        `${row + 1},P${row},"${Array.from({ length: 50 }, (_, i) => `https://shop.test/${row}/${i}.jpg`).join(",")}"`,
    );
    const json = await expectRejected(
      413,
      `${PRODUCT_CSV_HEADER}
${rows.join("\n")}
`,
    );
    expect(json).toMatchObject({
      code: "payload_too_large:images",
      error: "The file lists more than 50,000 image URLs, the most one upload may hold. Split it into smaller files.",
    });
  });

  it("refuses a product name over MAX_PRODUCT_NAME_LENGTH, naming the row", async () => {
    const json = await expectRejected(
      400,
      `${PRODUCT_CSV_HEADER}
1,${"n".repeat(501)},${images.url("/a.jpg")}
`,
    );
    expect(json.errors).toEqual([
      { row: 2, column: "Product Name", message: "Product Name is 501 characters long; the limit is 500." },
    ]);
  });

  it("asks for a multipart upload when the body is something else", async () => {
    const { POST } = await import("./route");
    const response = await POST(
      new Request("http://127.0.0.1:3999/api/csv/upload", {
        method: "POST",
        body: valid(),
        headers: { "content-type": "text/csv" },
      }),
    );
    expect(response.status).toBe(400);
    expect((await response.json()).error).toContain("multipart/form-data");
  });

  it("refuses an upload another site's page makes a browser send, keeping the browser's owner cookie", async () => {
    const csv = productCsv(["Shirt", images.url("/a.jpg")]);
    const attacks: Record<string, string>[] = [
      { origin: "https://shop-attacker.example", "sec-fetch-site": "cross-site" },
      // A browser that sends Origin only.
      { origin: "https://shop-attacker.example" },
      { origin: "https://evil.127.0.0.1.example", "sec-fetch-site": "same-site" },
    ];
    for (const from of attacks) {
      const fileName = uniqueFileName();
      const refused = await uploadCsv(csv, { fileName, as: { ...from } });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: "forbidden:cross_site" });
      expect(refused.headers.get("set-cookie")).toBeNull();
      expect(await requestsNamed(fileName)).toBe(0);
    }
    // The dashboard's own page, and a client that is not a browser, upload as before.
    const sameSite = await uploadCsv(csv, { as: { origin: "http://127.0.0.1:3999", "sec-fetch-site": "same-origin" } });
    expect(sameSite.status).toBe(202);
    expect((await uploadCsv(csv, { as: {} })).status).toBe(202);
    await settle((await sameSite.json()).requestId);
  });

  it("answers a malformed request with a 400 that says what is wrong, never a 500", async () => {
    const { POST } = await import("./route");
    const { GET: listRoute } = await import("@/app/api/csv/requests/route");
    const post = (headers: Record<string, string>, body: BodyInit) =>
      POST(new Request("http://127.0.0.1:3999/api/csv/upload", { method: "POST", headers, body }));

    const noBoundary = await post({ "content-type": "multipart/form-data" }, valid());
    expect(noBoundary.status).toBe(400);
    expect((await noBoundary.json()).error).toContain("no multipart boundary");

    // The body ends inside the file's part: the form's end never comes.
    const cut = `--XYZ\r\nContent-Disposition: form-data; name="file"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\n${valid()}`;
    const cutOff = await post({ "content-type": "multipart/form-data; boundary=XYZ" }, cut);
    expect(cutOff.status).toBe(400);
    expect((await cutOff.json()).error).toBe(
      "The upload ended in the middle of the file; nothing was kept. Please send it again.",
    );

    // An owner cookie that is not well formed is no owner: it lists nothing, and an upload replaces it.
    const badCookie = { cookie: "cic_owner=%E0%A4%A" };
    const listed = await listRoute(new Request("http://127.0.0.1:3999/api/csv/requests", { headers: badCookie }));
    expect(listed.status).toBe(200);
    expect((await listed.json()).requests).toEqual([]);
    const replaced = await uploadCsv(valid(), { as: badCookie });
    expect(replaced.status).toBe(202);
    expect(replaced.headers.get("set-cookie")).toMatch(/^cic_owner=[\w-]{16,64}; /);
  });
});
