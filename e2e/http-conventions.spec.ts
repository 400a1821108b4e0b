import { expect, test } from "@playwright/test";
import { type ImageServer, serveBytes, startImageServer } from "../test/image-server";
import { photoJpeg } from "../test/sample-images";
import { productCsv } from "@/test/product-csv";

/**
 * The HTTP conventions on the built server, where Next.js routes the request: OPTIONS and 405 as
 * each path really answers, CORS for the listed origin (CORS_ALLOW_ORIGINS in the e2e settings),
 * problem answers, byte ranges of a stored file, and the API reference a problem's `type` points at.
 */

const LISTED = "https://shop.example";
let images: ImageServer;

test.beforeAll(async () => {
  images = await startImageServer();
  images.route("/conventions.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
});

test.afterAll(() => images.close());

test("OPTIONS and a preflight answer what the path serves, at the canonical path and its alias", async ({
  request,
}) => {
  for (const path of ["/api/csv/upload", "/upload"]) {
    const preflight = await request.fetch(path, {
      method: "OPTIONS",
      headers: {
        origin: LISTED,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight.status(), path).toBe(204);
    expect(preflight.headers()["allow"], path).toBe("POST, OPTIONS");
    expect(preflight.headers()["access-control-allow-origin"], path).toBe(LISTED);
    expect(preflight.headers()["access-control-allow-methods"], path).toBe("POST, OPTIONS");

    const refused = await request.fetch(path, {
      method: "OPTIONS",
      headers: { origin: "https://elsewhere.example", "access-control-request-method": "POST" },
    });
    expect(refused.headers()["access-control-allow-origin"], path).toBeUndefined();
    expect(refused.headers()["allow"], path).toBe("POST, OPTIONS");
  }
  const status = await request.fetch("/api/csv/status/00000000-0000-4000-8000-000000000000", { method: "OPTIONS" });
  expect(status.headers()["allow"]).toBe("GET, HEAD, OPTIONS");
});

test("a wrong method and an unknown API path are problem answers", async ({ request }) => {
  const wrong = await request.put("/api/csv/upload");
  expect(wrong.status()).toBe(405);
  expect(wrong.headers()["allow"]).toBe("POST, OPTIONS");
  expect(wrong.headers()["content-type"]).toBe("application/problem+json");
  expect(await wrong.json()).toMatchObject({ status: 405, code: "method_not_allowed" });

  const unknown = await request.get("/api/csv/nothing-here");
  expect(unknown.status()).toBe(404);
  expect(unknown.headers()["content-type"]).toBe("application/problem+json");
  expect(await unknown.json()).toMatchObject({ status: 404, code: "not_found:route", title: "No such path" });
});

test("the request as a resource, and a stored file in byte ranges", async ({ request }) => {
  const csv = productCsv(["Conventions", images.url("/conventions.jpg")]);
  const accepted = await (
    await request.post("/api/csv/upload", {
      headers: { origin: LISTED },
      multipart: { file: { name: "conventions.csv", mimeType: "text/csv", buffer: Buffer.from(csv) } },
    })
  ).json();
  await expect
    .poll(async () => (await (await request.get(`/api/csv/requests/${accepted.requestId}`)).json()).status, {
      timeout: 30_000,
    })
    .toBe("completed");
  const resource = await request.get(`/api/csv/requests/${accepted.requestId}`, { headers: { origin: LISTED } });
  expect(resource.headers()["access-control-allow-origin"]).toBe(LISTED);
  const status = await (await request.get(`/api/csv/status/${accepted.requestId}`)).json();
  expect(await resource.json()).toEqual(status);

  // The output image, as `curl -C -` resumes it.
  const outputUrl: string = status.products[0].images[0].outputUrl;
  const whole = await request.get(outputUrl);
  const bytes = await whole.body();
  expect(whole.headers()["accept-ranges"]).toBe("bytes");
  const part = await request.get(outputUrl, { headers: { range: "bytes=100-", "if-range": whole.headers()["etag"] } });
  expect(part.status()).toBe(206);
  expect(part.headers()["content-range"]).toBe(`bytes 100-${bytes.length - 1}/${bytes.length}`);
  expect((await part.body()).equals(bytes.subarray(100))).toBe(true);
  const past = await request.get(outputUrl, { headers: { range: `bytes=${bytes.length}-` } });
  expect(past.status()).toBe(416);
  const cached = await request.get(outputUrl, { headers: { "if-modified-since": whole.headers()["last-modified"] } });
  expect(cached.status()).toBe(304);
});

test("a file path whose %-encoding is broken is a clear 400, not a 500", async ({ request }) => {
  const broken = await request.get("/files/images/%E0%A4%A/1.jpg");
  expect(broken.status()).toBe(400);
  expect(await broken.text()).toMatch(/not (a )?valid|encoding/i);
});

test("the API reference has contents, names the status answer, and holds every problem type", async ({
  page,
  request,
}) => {
  const missing = await (await request.get("/api/csv/status/00000000-0000-4000-8000-000000000000")).json();
  const type = new URL(missing.type);
  expect(type.pathname).toBe("/docs");

  await page.goto(type.pathname + type.hash);
  const contents = page.getByRole("navigation", { name: "API reference contents" });
  await expect(contents.getByRole("link", { name: /get \/api\/csv\/status\/\{requestId\}/i })).toBeVisible();
  const row = page.locator(`[id="${decodeURIComponent(type.hash.slice(1))}"]`);
  await expect(row).toBeInViewport();
  await expect(row).toContainText("No such request");

  const statusSection = page.locator("section", { has: page.locator('[id="get-api-csv-status-requestId-"]') });
  await expect(statusSection.getByText("RequestStatus | RequestStatusLight")).toBeVisible();
  await expect(statusSection).not.toContainText(/ any\b/);
  // A JSON body's fields are listed as a form's are.
  const trialSection = page.locator("section", { has: page.locator('[id="post-api-csv-trial"]') });
  await expect(trialSection.getByRole("heading", { name: "Body (application/json)" })).toBeVisible();
  await expect(trialSection.getByRole("cell", { name: "urls", exact: true })).toBeVisible();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  test.info().annotations.push({ type: "docs page height (px)", description: String(height) });
});
