import { expect, test } from "@playwright/test";
import type { RequestStatus, UploadAccepted } from "../lib/contract";
import { waitUntilFinished } from "./support/api";
import { DashboardPage } from "./support/dashboard-page";
import { imageUrls } from "./support/image-server";
import { RequestPage } from "./support/request-page";

// A seller's own spreadsheet: none of the template's columns, images in two columns.
const csv = [
  "Code,Title,Photo,Gallery,Price",
  `A-1,Sunset scarf,${imageUrls.sunsetJpeg},"${imageUrls.leafPng}, ${imageUrls.iconPng}",12.50`,
  "A-2,Plain socks,,,4.00",
  `A-3,Harbour bag,${imageUrls.harbourJpegSlow},,3.00`,
].join("\n");

const mapping = { idColumn: "Code", nameColumn: "Title", imageColumns: ["Photo", "Gallery"] };

/** The products of a finished request as the status lists them: id, name and input URLs. */
function productsOf(status: RequestStatus) {
  return status.products.map((product) => [
    product.serialNumber,
    product.productName,
    product.images.map((image) => image.inputUrl),
  ]);
}

/** The output with each compressed copy's URL put back to its input URL: the uploaded file again. */
function restored(output: string, status: RequestStatus): string {
  let text = output;
  for (const product of status.products)
    for (const image of product.images) if (image.outputUrl) text = text.replaceAll(image.outputUrl, image.inputUrl);
  return text;
}

test("a CSV in no known layout is mapped in the preview, and the API takes the same mapping", async ({
  page,
  request,
}) => {
  const dashboard = new DashboardPage(page);
  await dashboard.goto();
  const mappingFields = page.getByTestId("column-mapping");

  await test.step("the preview offers the columns, suggested from the header", async () => {
    await dashboard.chooseCsv("my-shop.csv", csv);
    await expect(mappingFields).toBeVisible();
    // The template's three missing columns are no news for a file of another kind: the choice is.
    await expect(dashboard.previewProblems).toBeHidden();
    await expect(dashboard.uploadButton).toHaveText("Choose the columns to upload");
    await expect(dashboard.uploadButton).toBeDisabled();
    await expect(mappingFields.getByLabel("Product name")).toHaveValue("Title");
    await expect(mappingFields.getByLabel("Product id")).toHaveValue("Code");
    await expect(mappingFields.getByRole("checkbox", { name: "Photo" })).toBeChecked();
    await expect(mappingFields.getByRole("checkbox", { name: "Gallery" })).not.toBeChecked();
  });

  await test.step("a choice that cannot work is explained before anything is sent", async () => {
    await mappingFields.getByRole("checkbox", { name: "Photo" }).uncheck();
    await mappingFields.getByRole("button", { name: "Use these columns" }).click();
    await expect(mappingFields.getByRole("alert")).toHaveText("Choose at least one column with image URLs.");
  });

  await test.step("the seller picks the columns and the preview reads the file with them", async () => {
    await mappingFields.getByRole("checkbox", { name: "Photo" }).check();
    await mappingFields.getByRole("checkbox", { name: "Gallery" }).check();
    await mappingFields.getByRole("button", { name: "Use these columns" }).click();
    await expect(dashboard.previewOk).toBeVisible();
    await expect(page.getByTestId("preview-layout")).toHaveAttribute("data-layout", "mapped");
    await expect(dashboard.previewCount("products")).toHaveText("2");
    await expect(dashboard.previewCount("images")).toHaveText("4");
    await expect(dashboard.preview.getByRole("cell", { name: "Harbour bag" })).toBeVisible();
  });

  await test.step("a change not applied yet holds the upload back, and says so", async () => {
    await mappingFields.getByRole("checkbox", { name: "Gallery" }).uncheck();
    await expect(page.getByTestId("column-mapping-note")).toHaveText(
      "Your changes are not used yet: press Use these columns to read the file with them.",
    );
    await expect(dashboard.uploadButton).toHaveText("Choose the columns to upload");
    await mappingFields.getByRole("checkbox", { name: "Gallery" }).check();
    await expect(dashboard.uploadButton).toBeEnabled();
  });

  const requestPage = new RequestPage(page);
  await test.step("upload and see it processed", async () => {
    await expect(dashboard.uploadButton).toHaveText("Upload and compress 4 images");
    await dashboard.upload();
    await page.waitForURL(/\/requests\/[^/]+$/);
    await expect(requestPage.percent).toHaveText("100", { timeout: 30_000 });
  });

  const viaDashboard = await waitUntilFinished(request, requestPage.requestIdFromUrl());
  expect(viaDashboard.status).toBe("completed");
  expect(productsOf(viaDashboard)).toEqual([
    ["A-1", "Sunset scarf", [imageUrls.sunsetJpeg, imageUrls.leafPng, imageUrls.iconPng]],
    ["A-3", "Harbour bag", [imageUrls.harbourJpegSlow]],
  ]);

  await test.step("the same mapping sent by the API reads the file the same way", async () => {
    const form = new FormData();
    form.append("nameColumn", mapping.nameColumn);
    form.append("idColumn", mapping.idColumn);
    for (const column of mapping.imageColumns) form.append("imageColumns", column);
    form.append("file", new Blob([csv], { type: "text/csv" }), "my-shop.csv");
    const response = await request.post("/api/csv/upload", { multipart: form });
    expect(response.status(), await response.text()).toBe(202);
    const accepted = (await response.json()) as UploadAccepted;
    expect(accepted).toMatchObject({ layout: "mapped", products: 2, images: 4 });
    const viaApi = await waitUntilFinished(request, accepted.requestId);
    expect(productsOf(viaApi)).toEqual(productsOf(viaDashboard));

    for (const status of [viaDashboard, viaApi]) {
      const output = await (await request.get(status.downloadUrl)).text();
      expect(output).not.toContain(imageUrls.sunsetJpeg);
      expect(restored(output, status)).toBe(csv);
    }
  });
});
