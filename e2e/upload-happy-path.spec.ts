import { readFile } from "node:fs/promises";
import Papa from "papaparse";
import { expect, test } from "@playwright/test";
import { Webhook } from "standardwebhooks";
import { listRequests } from "./support/api";
import { productCsv, type CsvProduct } from "./support/csv";
import { DashboardPage } from "./support/dashboard-page";
import { fetchWebhookDeliveries, imageUrls, webhookUrl } from "./support/image-server";
import { APP_URL } from "./support/ports";
import { RequestPage } from "./support/request-page";

// Three products, seven URLs, six distinct images (one used twice), one of them missing (404).
const products: CsvProduct[] = [
  { serialNumber: 1, productName: "Sunset Tee", imageUrls: [imageUrls.sunsetJpeg, imageUrls.harbourJpegSlow] },
  { serialNumber: 2, productName: "Leaf Mug", imageUrls: [imageUrls.leafPng, imageUrls.missing, imageUrls.iconPng] },
  { serialNumber: 3, productName: "Meadow Poster, large", imageUrls: [imageUrls.meadowJpegSlow, imageUrls.sunsetJpeg] },
];

test("a CSV is previewed, uploaded, processed, and its output CSV downloaded", async ({ page, request }) => {
  const dashboard = new DashboardPage(page);
  await dashboard.goto();
  const before = (await listRequests(page.request)).pagination.totalItems;

  await test.step("preview the CSV in the browser before uploading", async () => {
    await dashboard.chooseCsv("spring-catalogue.csv", productCsv(products));
    await expect(dashboard.previewCount("products")).toHaveText("3");
    await expect(dashboard.previewCount("images")).toHaveText("7");
    await expect(dashboard.previewCount("unique-images")).toHaveText("6");
    await expect(dashboard.previewOk).toBeVisible();
    await expect(dashboard.preview.getByRole("cell", { name: "Meadow Poster, large" })).toBeVisible();
    // Nothing is sent until the seller clicks upload.
    expect((await listRequests(page.request)).pagination.totalItems).toBe(before);
  });

  await test.step("upload with a webhook and land on the request page", async () => {
    await dashboard.setWebhookUrl(webhookUrl);
    await expect(dashboard.uploadButton).toHaveText("Upload and compress 6 images");
    await dashboard.upload();
    await page.waitForURL(/\/requests\/[^/]+$/);
  });

  const requestPage = new RequestPage(page);
  const requestId = requestPage.requestIdFromUrl();

  await test.step("watch progress reach 100%, polling the counters and fetching products when they change", async () => {
    const polls: string[] = [];
    const recordPoll = (call: { url: () => string }) => {
      if (call.url().includes("/api/csv/status/")) polls.push(new URL(call.url()).search);
    };
    page.on("request", recordPoll);
    await expect(page.getByRole("heading", { name: "spring-catalogue.csv" })).toBeVisible();
    await expect(requestPage.total).toHaveText("6");
    // One image takes 2 s to download, so the page opens while the request is processing…
    await expect(requestPage.status).toHaveAttribute("data-status", "processing");
    await expect(requestPage.downloadButton).toHaveCount(0);
    // …and polling brings it to the end without a reload.
    await expect(requestPage.percent).toHaveText("100", { timeout: 30_000 });
    await expect(requestPage.progressBar).toHaveAttribute("aria-valuenow", "100");
    await expect(requestPage.status).toHaveAttribute("data-status", "completed");
    await expect(requestPage.processed).toHaveText("5");
    await expect(requestPage.failed).toHaveText("1");
    await expect(requestPage.totalSaving).toHaveText(/^\d+(\.\d)?%$/);
    await expect(requestPage.downloadButton).toBeVisible();
    page.off("request", recordPoll);
    const light = polls.filter((search) => search.includes("products=0"));
    const pages = polls.filter((search) => !search.includes("products=0"));
    expect(light.length).toBeGreaterThan(0);
    // The page of products is asked for only when the counters moved, and it did move.
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.length).toBeLessThanOrEqual(light.length);

    // Finished: the page stops asking for the status.
    let statusCalls = 0;
    const countStatusCalls = (call: { url: () => string }) => {
      if (call.url().includes("/api/csv/status/")) statusCalls++;
    };
    page.on("request", countStatusCalls);
    await page.waitForTimeout(2_500);
    page.off("request", countStatusCalls);
    expect(statusCalls).toBe(0);
  });

  await test.step("see before/after thumbnails, sizes, and the failed image's reason", async () => {
    await expect(requestPage.products).toHaveCount(3);
    await expect(requestPage.imageRows).toHaveCount(7);
    await expect(requestPage.afterImages).toHaveCount(6);
    await requestPage.expectImagesLoaded(requestPage.afterImages);
    await requestPage.expectImagesLoaded(
      page.locator("[data-testid=image-row][data-status=completed] [data-testid=before-image]"),
    );

    const failedRow = requestPage.imageRows.filter({ has: page.getByTestId("image-error") });
    await expect(failedRow).toHaveCount(1);
    await expect(failedRow.getByTestId("image-error")).toContainText("not found (HTTP 404)");
    await expect(failedRow).toContainText(imageUrls.missing);
    // Previews are made by the service; an image it never got has none, and says so.
    await expect(failedRow.getByTestId("before-image-pending")).toHaveText("No preview");

    const sunsetRow = requestPage.products.nth(0).getByTestId("image-row").first();
    await expect(sunsetRow.getByTestId("image-size")).toHaveText(/KB → \d/);
    await expect(sunsetRow.getByTestId("image-result")).toHaveText(/^\d+(\.\d)?% smaller$/);

    // A tiny two-colour PNG cannot get smaller: its original bytes are kept, and the page says so.
    const iconRow = requestPage.products.nth(1).getByTestId("image-row").nth(2);
    await expect(iconRow).toHaveAttribute("data-optimized", "false");
    await expect(iconRow.getByTestId("image-result")).toHaveText("Kept original (already optimal)");
  });

  await test.step("see the webhook delivered", async () => {
    await expect(requestPage.webhook).toContainText(webhookUrl);
    // Delivery follows the last image; polling has stopped by then, so look again until it shows.
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("webhook-status")).toHaveAttribute("data-status", "delivered", { timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    const deliveries = await fetchWebhookDeliveries();
    const delivery = deliveries.find((each) => (each.body as { requestId?: string }).requestId === requestId);
    expect(delivery).toBeDefined();
    // The page shows its owner the secret the delivery is signed with, and it verifies the delivery.
    const secret = (await page.getByTestId("webhook-secret").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    const signed = new Webhook(secret).verify(
      JSON.stringify(delivery!.body),
      delivery!.headers as Record<string, string>,
    );
    expect(signed).toMatchObject({ requestId, status: "completed" });
  });

  await test.step("download the output CSV", async () => {
    const downloadPromise = page.waitForEvent("download");
    await requestPage.downloadButton.click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toBe("spring-catalogue-output.csv");
    const text = await readFile((await download.path())!, "utf8");
    const rows = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;

    expect(rows[0]).toEqual(["S. No.", "Product Name", "Input Image Urls", "Output Image Urls"]);
    expect(rows).toHaveLength(products.length + 1);
    products.forEach((product, index) => {
      const [serialNumber, productName, inputCell, outputCell] = rows[index + 1];
      expect(serialNumber).toBe(String(product.serialNumber));
      expect(productName).toBe(product.productName);
      expect(inputCell).toBe(product.imageUrls.join(","));
      const outputs = outputCell.split(",").map((url) => url.trim());
      expect(outputs).toHaveLength(product.imageUrls.length);
      product.imageUrls.forEach((inputUrl, position) => {
        if (inputUrl === imageUrls.missing) expect(outputs[position]).toBe("");
        else {
          // Output links go to shops: they name a folder of the request's files, never the request.
          expect(outputs[position]).toMatch(new RegExp(`^${APP_URL}/files/images/[\\w-]+/\\d+\\.\\w+$`));
          expect(outputs[position]).not.toContain(requestId);
        }
      });
    });
    // The image used twice is compressed once: both cells point to the same copy.
    expect(rows[3][3].split(",")[1].trim()).toBe(rows[1][3].split(",")[0].trim());

    const compressed = await request.get(rows[1][3].split(",")[0].trim());
    expect(compressed.status()).toBe(200);
    expect(compressed.headers()["content-type"]).toBe("image/jpeg");
  });

  await test.step("find the request in the recent uploads on the dashboard", async () => {
    await page.getByRole("link", { name: "All uploads" }).click();
    const item = page.locator(`[data-testid=recent-request][data-request-id="${requestId}"]`);
    await expect(item).toContainText("spring-catalogue.csv");
    await expect(item.getByTestId("status-badge")).toHaveAttribute("data-status", "completed");
    await expect(item).toContainText("5 processed · 1 failed");
    await expect(item).toContainText("6 total · 100%");
  });
});
