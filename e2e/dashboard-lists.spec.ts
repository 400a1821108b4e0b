import { expect, test } from "@playwright/test";
import { listRequests, uploadCsv, waitUntilFinished } from "./support/api";
import { productCsv } from "./support/csv";
import { imageUrls } from "./support/image-server";
import { RequestPage } from "./support/request-page";

test("recent uploads update themselves while a request is processing", async ({ page }) => {
  // The browser's own API client: what it uploads is listed to this browser.
  const request = page.request;
  // The slow image keeps the request processing for about two seconds.
  const accepted = await uploadCsv(request, {
    name: "live-list.csv",
    csv: productCsv([
      { serialNumber: 1, productName: "Slow Poster", imageUrls: [imageUrls.meadowJpegSlow, imageUrls.iconPng] },
    ]),
  });
  await page.goto("/");
  const item = page.locator(`[data-testid=recent-request][data-request-id="${accepted.requestId}"]`);
  await expect(item.getByTestId("status-badge")).toHaveAttribute("data-status", "processing");
  await expect(item.getByTestId("status-badge")).toHaveAttribute("data-status", "completed", { timeout: 15_000 });
  await expect(item).toContainText("2 total · 100%");
});

test("recent uploads are paged once there are more than fit on one page", async ({ page }) => {
  // The browser's own API client: what it uploads is listed to this browser.
  const request = page.request;
  const pageSize = 10;
  const existing = (await listRequests(request)).pagination.totalItems;
  // Enough small requests (one tiny image each) for a second page.
  for (let index = existing; index <= pageSize; index++) {
    const accepted = await uploadCsv(request, {
      name: `paging-${index}.csv`,
      csv: productCsv([{ serialNumber: 1, productName: `Item ${index}`, imageUrls: [imageUrls.iconPng] }]),
    });
    await waitUntilFinished(request, accepted.requestId);
  }
  const total = (await listRequests(request)).pagination.totalItems;
  const pages = Math.ceil(total / pageSize);

  await page.goto("/");
  const nav = page.getByRole("navigation", { name: "Recent uploads pages" });
  await expect(nav).toContainText(`Page 1 of ${pages}`);
  await expect(page.getByTestId("recent-request")).toHaveCount(pageSize);

  await nav.getByRole("link", { name: /Next/ }).click();
  await expect(page).toHaveURL(/\/\?page=2$/);
  await expect(nav).toContainText(`Page 2 of ${pages}`);
  await expect(page.getByTestId("recent-request")).toHaveCount(Math.min(pageSize, total - pageSize));

  await nav.getByRole("link", { name: /Previous/ }).click();
  await expect(nav).toContainText(`Page 1 of ${pages}`);
});

test("a request's products are paged", async ({ page }) => {
  // The browser's own API client: what it uploads is listed to this browser.
  const request = page.request;
  // 25 products sharing one image: a page of 20, then 5.
  const products = Array.from({ length: 25 }, (_, index) => ({
    serialNumber: index + 1,
    productName: `Poster ${index + 1}`,
    imageUrls: [imageUrls.iconPng],
  }));
  const accepted = await uploadCsv(request, { name: "many-products.csv", csv: productCsv(products) });
  await waitUntilFinished(request, accepted.requestId);

  const requestPage = new RequestPage(page);
  await requestPage.goto(accepted.requestId);
  const nav = page.getByRole("navigation", { name: "Product pages" });
  await expect(nav).toContainText("Products 1–20 of 25");
  await expect(requestPage.products).toHaveCount(20);

  await nav.getByRole("link", { name: /Next/ }).click();
  await expect(page).toHaveURL(/\?page=2$/);
  await expect(nav).toContainText("Products 21–25 of 25");
  await expect(requestPage.products).toHaveCount(5);
  await expect(requestPage.products.first()).toContainText("Poster 21");
});
