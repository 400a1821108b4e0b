import { expect, test } from "@playwright/test";
import { DashboardPage } from "./support/dashboard-page";
import { APP_URL } from "./support/ports";
import { RequestPage } from "./support/request-page";

/** Pages send a strict policy, and the dashboard works under it without a single violation. */

test("pages send a nonce-based Content-Security-Policy, frame-ancestors 'none', a Referrer-Policy, no X-Powered-By", async ({
  request,
}) => {
  for (const path of ["/", "/docs", "/requests/00000000-0000-4000-8000-000000000000"]) {
    const response = await request.get(path);
    const headers = response.headers();
    const policy = headers["content-security-policy"];
    expect(policy, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).not.toContain("unsafe-eval");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["x-powered-by"]).toBeUndefined();

    // Every script the page carries has this response's nonce.
    const nonce = /'nonce-([^']+)'/.exec(policy)![1];
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag);
    expect(scripts.length, path).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag, path).toContain(`nonce="${nonce}"`);
  }
  // A second response gets a new nonce.
  const first = (await request.get("/")).headers()["content-security-policy"];
  const second = (await request.get("/")).headers()["content-security-policy"];
  expect(first).not.toBe(second);
});

test("a page fetched as a prefetch or with a form's content type carries its policy too", async ({ request }) => {
  const asked: Record<string, string>[] = [
    { purpose: "prefetch" },
    { "sec-purpose": "prefetch" },
    { "next-router-prefetch": "1" },
    { "content-type": "multipart/form-data; boundary=x" },
  ];
  for (const headers of asked) {
    const response = await request.get("/", { headers });
    expect(response.headers()["content-security-policy"], JSON.stringify(headers)).toMatch(
      /script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/,
    );
  }
});

test("the dashboard and a request page work under the policy, and previews come from this app", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });

  const dashboard = new DashboardPage(page);
  await dashboard.goto();
  await dashboard.trySamples();
  await expect(dashboard.previewOk).toBeVisible();
  await dashboard.upload();
  await page.waitForURL(/\/requests\/[^/]+$/);
  const requestPage = new RequestPage(page);
  await requestPage.waitUntilFinished();
  await requestPage.expectImagesLoaded(requestPage.beforeImages);
  await requestPage.expectImagesLoaded(requestPage.afterImages);
  for (const image of await requestPage.beforeImages.all()) {
    expect(await image.getAttribute("src")).toMatch(new RegExp(`^${APP_URL}/files/thumbnails/`));
  }

  // The same page opened at another name of this server (localhost, where PUBLIC_BASE_URL says
  // 127.0.0.1): the links still name PUBLIC_BASE_URL, and the policy lets them load.
  const requestId = requestPage.requestIdFromUrl();
  await page.goto(`${APP_URL.replace("127.0.0.1", "localhost")}/requests/${requestId}`);
  await expect(requestPage.percent).toHaveText("100");
  await expect(requestPage.beforeImages.first()).toBeVisible();
  await requestPage.expectImagesLoaded(requestPage.beforeImages);
  await requestPage.expectImagesLoaded(requestPage.afterImages);
  expect(violations).toEqual([]);
});
