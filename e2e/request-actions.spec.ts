import { expect, test } from "@playwright/test";
import { getStatus, uploadCsv, waitUntilFinished } from "./support/api";
import { productCsv } from "./support/csv";
import { imageUrls } from "./support/image-server";
import { APP_URL } from "./support/ports";
import { RequestPage } from "./support/request-page";

/** Retry, cancel and delete from the dashboard: the request page and the list, with their confirmations. */

const IMAGES = 36;

test("cancel on the request page: asks first, stops the request, then offers its output CSV", async ({ page }) => {
  // Distinct slow images (2 s each): six download at once (FETCH_HOST_CONCURRENCY), so starting all of
  // them takes over ten seconds, far longer than opening the page and clicking on a busy machine.
  const products = Array.from({ length: IMAGES }, (_, index) => ({
    serialNumber: index + 1,
    productName: `Slow ${index + 1}`,
    imageUrls: [`${imageUrls.meadowJpegSlow}&copy=${index}`],
  }));
  const accepted = await uploadCsv(page.request, { name: "cancel-me.csv", csv: productCsv(products) });
  const requestPage = new RequestPage(page);
  await requestPage.goto(accepted.requestId);
  await expect(requestPage.status).toHaveAttribute("data-status", "processing");

  // Dismissing the question changes nothing.
  page.once("dialog", (dialog) => void dialog.dismiss());
  await page.getByTestId("cancel-request").click();
  await expect(requestPage.status).toHaveAttribute("data-status", "processing");

  page.once("dialog", (dialog) => {
    expect(dialog.message()).toContain('Cancel "cancel-me.csv"?');
    void dialog.accept();
  });
  await page.getByTestId("cancel-request").click();
  await expect(requestPage.status).toHaveAttribute("data-status", "cancelled");
  await expect(page.getByTestId("request-cancelled")).toContainText("This request was cancelled.");
  await expect(page.getByTestId("cancel-request")).toHaveCount(0);

  // Once the images under way are back, the output CSV is offered and the rest are marked cancelled.
  await expect(requestPage.downloadButton).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId("request-cancelled")).toContainText(
    new RegExp(`Cancelled: \\d+ of ${IMAGES} images were not processed`),
  );
  const status = await getStatus(page.request, accepted.requestId);
  expect(status.progress.cancelledImages).toBeGreaterThan(0);
  expect(status.progress.processedImages + status.progress.cancelledImages).toBe(IMAGES);
  // The cancelled images are the later ones; the first page of products shows some of them.
  await expect(page.getByTestId("image-result").filter({ hasText: "the request was cancelled" }).first()).toBeVisible();
  await expect(page.getByTestId("retry-request")).toHaveText(
    `Process ${status.progress.cancelledImages} cancelled image${status.progress.cancelledImages === 1 ? "" : "s"}`,
  );
});

test("retry failed images on the request page runs them again", async ({ page }) => {
  const accepted = await uploadCsv(page.request, {
    name: "retry-me.csv",
    csv: productCsv([{ serialNumber: 1, productName: "Poster", imageUrls: [imageUrls.sunsetJpeg, imageUrls.missing] }]),
  });
  const first = await waitUntilFinished(page.request, accepted.requestId);
  const requestPage = new RequestPage(page);
  await requestPage.goto(accepted.requestId);
  await expect(requestPage.failed).toHaveText("1");
  const retry = page.getByTestId("retry-request");
  await expect(retry).toHaveText("Retry 1 failed image");

  await retry.click();
  // The image is still missing on the supplier's side: it is tried again and fails again.
  await expect
    .poll(
      async () => {
        const now = await getStatus(page.request, accepted.requestId);
        return now.status === "completed" && now.completedAt !== first.completedAt;
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  await expect(requestPage.status).toHaveAttribute("data-status", "completed");
  await expect(requestPage.failed).toHaveText("1");
  await expect(retry).toBeVisible();
  await expect(page.getByTestId("request-action-error")).toHaveCount(0);
});

test("delete from the list and from the request page, each after a confirmation", async ({ page }) => {
  const upload = (name: string) =>
    uploadCsv(page.request, {
      name,
      csv: productCsv([{ serialNumber: 1, productName: "Icon", imageUrls: [imageUrls.iconPng] }]),
    });
  const fromList = await upload("delete-from-list.csv");
  const fromPage = await upload("delete-from-page.csv");
  await waitUntilFinished(page.request, fromList.requestId);
  await waitUntilFinished(page.request, fromPage.requestId);

  await page.goto("/");
  const item = page.locator(`[data-testid=recent-request][data-request-id="${fromList.requestId}"]`);
  page.once("dialog", (dialog) => {
    expect(dialog.message()).toContain('Delete "delete-from-list.csv"?');
    void dialog.accept();
  });
  await item.getByTestId("delete-request").click();
  await expect(item).toHaveCount(0);
  expect((await page.request.get(`/api/csv/status/${fromList.requestId}`)).status()).toBe(404);

  const requestPage = new RequestPage(page);
  await requestPage.goto(fromPage.requestId);
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByTestId("delete-request").click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator(`[data-testid=recent-request][data-request-id="${fromPage.requestId}"]`)).toHaveCount(0);
  expect((await page.request.get(`/api/csv/status/${fromPage.requestId}`)).status()).toBe(404);
});

test("another browser sees a request by its link but is offered no action on it", async ({ page, browser }) => {
  const accepted = await uploadCsv(page.request, {
    name: "not-yours.csv",
    csv: productCsv([{ serialNumber: 1, productName: "Icon", imageUrls: [imageUrls.iconPng] }]),
  });
  await waitUntilFinished(page.request, accepted.requestId);
  const other = await browser.newContext({ baseURL: APP_URL });
  try {
    const otherPage = await other.newPage();
    const requestPage = new RequestPage(otherPage);
    await requestPage.goto(accepted.requestId);
    await expect(requestPage.status).toHaveAttribute("data-status", "completed");
    await expect(otherPage.getByTestId("request-actions")).toHaveCount(0);
    // Said, so that a seller on another device knows where to go.
    await expect(otherPage.getByTestId("actions-elsewhere")).toHaveText(
      "Retry, cancel and delete are offered in the browser that uploaded this file.",
    );
  } finally {
    await other.close();
  }
});
