import { expect, test } from "@playwright/test";
import { getStatus } from "./support/api";
import { productCsv } from "./support/csv";
import { DashboardPage } from "./support/dashboard-page";
import { imageUrls } from "./support/image-server";
import { RequestPage } from "./support/request-page";

/** The upload's output options in the browser, and an upload of the same catalogue done again without the work. */

const csv = productCsv([
  { serialNumber: 1, productName: "Sunset Tee", imageUrls: [imageUrls.sunsetJpeg] },
  { serialNumber: 2, productName: "Leaf Mug", imageUrls: [imageUrls.leafPng] },
]);

async function uploadWithOptions(page: import("@playwright/test").Page, name: string) {
  const dashboard = new DashboardPage(page);
  await dashboard.goto();
  await dashboard.chooseCsv(name, csv);
  await page.getByText("Advanced options").click();
  await page.getByLabel("Output format").selectOption("webp");

  // A size that is not one keeps the upload from being sent, and says why.
  await page.getByLabel(/Max width/).fill("0");
  await expect(page.getByText(/Enter a whole number of pixels from 1 to 16,383/)).toBeVisible();
  await expect(dashboard.uploadButton).toBeDisabled();
  await page.getByLabel(/Max width/).fill("300");
  await expect(page.getByText("WebP · fit 300 × any px")).toBeVisible();

  await dashboard.upload();
  await page.waitForURL(/\/requests\/[^/]+$/);
  const requestPage = new RequestPage(page);
  await requestPage.waitUntilFinished();
  await expect(requestPage.status).toHaveAttribute("data-status", "completed");
  return requestPage;
}

test("format and maximum width chosen on the dashboard shape every output image", async ({ page }) => {
  const requestPage = await uploadWithOptions(page, "webp-catalogue.csv");
  await expect(page.getByTestId("output-options")).toHaveText("WebP, fit 300 × any px");
  await expect(page.getByText(/WEBP · 300×\d+/).filter({ visible: true })).toHaveCount(2);
  await expect(requestPage.afterImages).toHaveCount(2);
  // The files themselves are WebP (the list's small previews are WebP whatever the output).
  const status = await getStatus(page.request, requestPage.requestIdFromUrl());
  const outputs = status.products.flatMap((product) => product.images.map((image) => image.outputUrl!));
  expect(outputs).toHaveLength(2);
  for (const url of outputs) {
    const response = await page.request.get(url);
    expect(response.headers()["content-type"]).toBe("image/webp");
    const bytes = await response.body();
    expect([bytes.toString("latin1", 0, 4), bytes.toString("latin1", 8, 12)]).toEqual(["RIFF", "WEBP"]);
  }
  await expect(page.getByTestId("image-reused")).toHaveCount(0);

  // The same catalogue with the same options again: nothing is compressed twice.
  await uploadWithOptions(page, "webp-catalogue-again.csv");
  await expect(page.getByTestId("reused-note")).toContainText("2 images came out exactly as in an earlier upload");
  await expect(page.getByTestId("image-reused")).toHaveCount(2);
});

test("a target file size chosen on the dashboard is kept with the request and shown", async ({ page }) => {
  const dashboard = new DashboardPage(page);
  await dashboard.goto();
  await dashboard.chooseCsv("capped-catalogue.csv", csv);
  await page.getByText("Advanced options").click();

  // Under 1 KB is not a size any image can meet: the upload is not sent, and the field says why.
  await page.getByLabel(/Max file size/).fill("0");
  await expect(page.getByText(/Enter a whole number of KB from 1 to 102,400/)).toBeVisible();
  await expect(dashboard.uploadButton).toBeDisabled();
  await page.getByLabel(/Max file size/).fill("50");
  await expect(page.getByText("at most 50 KB", { exact: true })).toBeVisible();

  await dashboard.upload();
  await page.waitForURL(/\/requests\/[^/]+$/);
  const requestPage = new RequestPage(page);
  await requestPage.waitUntilFinished();
  await expect(requestPage.status).toHaveAttribute("data-status", "completed");
  await expect(page.getByTestId("output-options")).toHaveText("original format, at most 50 KB");
});
