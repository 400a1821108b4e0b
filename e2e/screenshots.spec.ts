import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { uploadCsv, waitUntilFinished } from "./support/api";
import { productCsv } from "./support/csv";
import { DashboardPage } from "./support/dashboard-page";
import { imageUrls } from "./support/image-server";
import { RequestPage } from "./support/request-page";

const viewports = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

/** Full-page screenshots kept as test artifacts (test-results/ and the HTML report) for review. */
async function capture(page: Page, testInfo: TestInfo, name: string) {
  // Nothing may stick out sideways: a phone user should never have to scroll horizontally.
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, `${name} is wider than the screen`).toBeLessThanOrEqual(0);
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: "disabled" });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

for (const [device, viewport] of Object.entries(viewports)) {
  test.describe(`at ${device} width`, () => {
    test.use({ viewport });

    test("dashboard, request page and not-found page", async ({ page }, testInfo) => {
      // The browser's own API client: what it uploads is listed to this browser.
      const request = page.request;
      // Hydration mismatches and uncaught errors show up here; a missing image (404) is expected.
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
          problems.push(message.text());
      });

      const accepted = await uploadCsv(request, {
        name: `screenshot-${device}.csv`,
        csv: productCsv([
          { serialNumber: 1, productName: "Sunset Tee", imageUrls: [imageUrls.sunsetJpeg, imageUrls.harbourJpegSlow] },
          {
            serialNumber: 2,
            productName: "Leaf Mug with a rather long product name that wraps",
            imageUrls: [imageUrls.leafPng, imageUrls.missing, imageUrls.iconPng],
          },
        ]),
      });
      await waitUntilFinished(request, accepted.requestId);

      await page.goto("/");
      await expect(page.getByRole("heading", { name: "Upload a CSV" })).toBeVisible();
      await expect(page.getByTestId("recent-request").first()).toBeVisible();
      await capture(page, testInfo, `${device}-dashboard`);

      // A file with problems: a long URL without a place to break is quoted in its message.
      const dashboard = new DashboardPage(page);
      await dashboard.chooseCsv(
        "problems.csv",
        [
          "S. No.,Product Name,Input Image Urls",
          `1,Shirt,https://cdn.shop.example/${"very-long-file-name-".repeat(6)}.jpg`,
          `2,,ftp://cdn.shop.example/${"another-long-file-name-".repeat(6)}.jpg`,
          `3,Hat,https://cdn.shop.example/a.jpg | https://cdn.shop.example/${"b".repeat(90)}.jpg`,
          "",
        ].join("\n"),
      );
      await expect(dashboard.previewProblems).toBeVisible();
      await capture(page, testInfo, `${device}-dashboard-problems`);

      const requestPage = new RequestPage(page);
      await requestPage.goto(accepted.requestId);
      await expect(requestPage.percent).toHaveText("100");
      await requestPage.expectImagesLoaded(requestPage.afterImages);
      await capture(page, testInfo, `${device}-request`);

      // With a loading boundary the page streams, so the status is already sent (200); the page says
      // "not found" and carries `noindex`, as Next.js documents for notFound() after streaming starts.
      await page.goto("/requests/no-such-request");
      await expect(page.locator('meta[name="robots"][content="noindex"]').first()).toBeAttached();
      await expect(page.getByRole("heading", { name: "We can't find that request" })).toBeVisible();
      await capture(page, testInfo, `${device}-request-not-found`);

      const missingPage = await page.goto("/no-such-page");
      expect(missingPage?.status()).toBe(404);
      await expect(page.getByRole("heading", { name: "We can't find that page" })).toBeVisible();
      await capture(page, testInfo, `${device}-not-found`);

      expect(problems).toEqual([]);
    });
  });
}
