import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { uploadCsv, waitUntilFinished } from "./support/api";
import { productCsv } from "./support/csv";
import { imageUrls } from "./support/image-server";
import { RequestPage } from "./support/request-page";

/** Following a long job: the failed-only filter, the tab's title, and the recent list's Download. */

test("the request page lists only the failed images, across every page of products", async ({ page }) => {
  // 25 products: three of them (rows 6, 13 and 25, two on later pages of 20) have an image that is missing.
  const failingRows = new Set([6, 13, 25]);
  const products = Array.from({ length: 25 }, (_, index) => {
    const row = index + 2;
    return {
      serialNumber: index + 1,
      productName: `Poster ${index + 1}`,
      imageUrls: failingRows.has(row) ? [imageUrls.iconPng, `${imageUrls.missing}?row=${row}`] : [imageUrls.iconPng],
    };
  });
  const accepted = await uploadCsv(page.request, { name: "failed-filter.csv", csv: productCsv(products) });
  await waitUntilFinished(page.request, accepted.requestId);

  const requestPage = new RequestPage(page);
  await requestPage.goto(accepted.requestId);
  await expect(requestPage.products).toHaveCount(20);
  const filter = page.getByTestId("failed-only");
  await expect(filter).toHaveText("Failed only (3)");

  await filter.click();
  await expect(page).toHaveURL(/\?imageStatus=failed$/);
  await expect(filter).toHaveAttribute("aria-current", "page");
  await expect(page.getByText("3 failed images", { exact: true })).toBeVisible();
  await expect(requestPage.products).toHaveCount(3);
  const rows = await requestPage.products.evaluateAll((sections) => sections.map((section) => section.dataset.row));
  expect(rows).toEqual(["6", "13", "25"]);
  // Only the failed image of each row, with its reason.
  await expect(requestPage.imageRows).toHaveCount(3);
  for (const row of await requestPage.imageRows.all()) {
    await expect(row).toHaveAttribute("data-status", "failed");
    await expect(row.getByTestId("image-error")).not.toBeEmpty();
  }
  // A reload keeps the filter: it is in the address.
  await page.reload();
  await expect(requestPage.products).toHaveCount(3);

  await page.getByRole("link", { name: "All products" }).click();
  await expect(page).toHaveURL(new RegExp(`/requests/${accepted.requestId}$`));
  await expect(requestPage.products).toHaveCount(20);
});

test("the tab's title shows the progress, then that the request is done", async ({ page }) => {
  const accepted = await uploadCsv(page.request, {
    name: "title-progress.csv",
    csv: productCsv([
      { serialNumber: 1, productName: "Slow", imageUrls: [imageUrls.meadowJpegSlow, imageUrls.iconPng] },
    ]),
  });
  const requestPage = new RequestPage(page);
  await requestPage.goto(accepted.requestId);
  await expect(requestPage.status).toHaveAttribute("data-status", "processing");
  await expect(page).toHaveTitle(/^\d{1,2}% · title-progress\.csv$/);
  // Under way and waiting are told apart (the pace itself is checked through the status route).
  await expect(page.getByTestId("count-working")).toBeVisible();
  await expect(page.getByTestId("count-waiting")).toBeVisible();

  await requestPage.waitUntilFinished();
  await expect(page).toHaveTitle("Done · title-progress.csv");
  await expect(page.getByTestId("count-working")).toHaveText("0");
  await expect(page.getByTestId("pace")).toHaveCount(0);
});

test("a finished upload in the recent list has a Download button for its output CSV", async ({ page }) => {
  const accepted = await uploadCsv(page.request, {
    name: "recent-download.csv",
    csv: productCsv([{ serialNumber: 1, productName: "Lamp", imageUrls: [imageUrls.sunsetJpeg] }]),
  });
  await waitUntilFinished(page.request, accepted.requestId);
  await page.goto("/");
  const item = page.locator(`[data-testid=recent-request][data-request-id="${accepted.requestId}"]`);
  const button = item.getByTestId("recent-download");
  await expect(button).toHaveAccessibleName("Download CSV of recent-download.csv");

  const downloading = page.waitForEvent("download");
  await button.click();
  const download = await downloading;
  const csv = await readFile((await download.path())!, "utf8");
  expect(csv).toContain("Output Image Urls");
  expect(csv).toContain("Lamp");
  // The savings chart counts it, with a table of the same numbers.
  await expect(page.getByTestId("savings")).toBeVisible();
  await page.getByText("Show as a table").click();
  await expect(page.getByTestId("savings-row").last()).toBeVisible();
});
