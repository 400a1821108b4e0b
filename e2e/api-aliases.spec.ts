import { expect, test } from "@playwright/test";
import { type ImageServer, serveBytes, startImageServer } from "../test/image-server";
import { photoJpeg } from "../test/sample-images";
import { productCsv } from "@/test/product-csv";

/** Earlier clients call the API at other paths; each must answer exactly like the canonical route. */

let images: ImageServer;

test.beforeAll(async () => {
  images = await startImageServer();
  images.route("/alias.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
});

test.afterAll(() => images.close());

const csv = () => productCsv(["Alias", images.url("/alias.jpg")]);

async function waitUntilFinished(request: import("@playwright/test").APIRequestContext, requestId: string) {
  await expect
    .poll(async () => (await (await request.get(`/api/csv/status/${requestId}`)).json()).status, { timeout: 30_000 })
    .not.toBe("processing");
}

for (const path of ["/api/csv/upload", "/csv/upload", "/upload"]) {
  test(`POST ${path} accepts an upload`, async ({ request }) => {
    const response = await request.post(path, {
      multipart: { file: { name: "alias.csv", mimeType: "text/csv", buffer: Buffer.from(csv()) } },
    });
    expect(response.status()).toBe(202);
    const body = await response.json();
    expect(body).toMatchObject({ isValid: true, status: "processing", products: 1, images: 1 });
    await waitUntilFinished(request, body.requestId);
  });

  test(`POST ${path} rejects a bad CSV the same way`, async ({ request }) => {
    const response = await request.post(path, {
      multipart: { file: { name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from("S. No.,Product Name\n1,A\n") } },
    });
    expect(response.status()).toBe(400);
    expect(await response.json()).toMatchObject({ isValid: false, errors: [{ row: 1, column: "Input Image Urls" }] });
  });
}

test("status and download answer at every alias path", async ({ request }) => {
  const accepted = await (
    await request.post("/api/csv/upload", {
      multipart: { file: { name: "alias.csv", mimeType: "text/csv", buffer: Buffer.from(csv()) } },
    })
  ).json();
  await waitUntilFinished(request, accepted.requestId);

  const canonicalStatus = await (await request.get(`/api/csv/status/${accepted.requestId}`)).json();
  for (const path of [`/csv/status/${accepted.requestId}`, `/status/${accepted.requestId}`]) {
    const response = await request.get(path);
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual(canonicalStatus);
  }

  const canonicalCsv = await (await request.get(`/api/csv/download/${accepted.requestId}`)).text();
  expect(canonicalCsv).toContain("Output Image Urls");
  for (const path of [`/csv/download/${accepted.requestId}`, `/download/${accepted.requestId}`]) {
    const response = await request.get(path);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("text/csv");
    expect(response.headers()["content-disposition"]).toContain("attachment");
    expect(await response.text()).toBe(canonicalCsv);
  }

  for (const path of [
    "/api/csv/status/unknown-id",
    "/csv/status/unknown-id",
    "/status/unknown-id",
    "/download/unknown-id",
  ]) {
    expect((await request.get(path)).status()).toBe(404);
  }
});

test("output images are served with their type and a long cache lifetime", async ({ request }) => {
  const accepted = await (
    await request.post("/upload", {
      multipart: { file: { name: "alias.csv", mimeType: "text/csv", buffer: Buffer.from(csv()) } },
    })
  ).json();
  await waitUntilFinished(request, accepted.requestId);
  const status = await (await request.get(accepted.statusUrl)).json();
  const outputUrl = new URL(status.products[0].images[0].outputUrl);
  const image = await request.get(outputUrl.pathname);
  expect(image.status()).toBe(200);
  expect(image.headers()["content-type"]).toBe("image/jpeg");
  expect(image.headers()["cache-control"]).toContain("immutable");

  for (const path of [
    "/files/..%2F..%2Fpackage.json",
    "/files/images/%2E%2E/%2E%2E/package.json",
    "/files/nothing-here.jpg",
  ]) {
    expect((await request.get(path)).status()).toBe(404);
  }
  expect((await request.get("/api/health")).status()).toBe(200);
});
