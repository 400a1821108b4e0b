import { type APIRequestContext, expect, test } from "@playwright/test";
import { listRequests } from "./support/api";
import { productCsv } from "./support/csv";
import { DashboardPage } from "./support/dashboard-page";
import { imageUrls } from "./support/image-server";

/** What the server answers the same file: the preview's checks are its own, so it refuses it too. */
async function serverAnswer(request: APIRequestContext, name: string, buffer: Buffer) {
  const response = await request.post("/api/csv/upload", {
    multipart: { file: { name, mimeType: "text/csv", buffer } },
  });
  return {
    status: response.status(),
    body: (await response.json()) as {
      error: string;
      errors?: { row: number | null; column: string | null; message: string }[];
    },
  };
}

/** A file the preview finds problems in is not offered for upload: the server would refuse it. */
async function expectNotOffered(dashboard: DashboardPage) {
  await expect(dashboard.uploadButton).toHaveText("Fix the problems to upload");
  await expect(dashboard.uploadButton).toBeDisabled();
  await expect(dashboard.page.getByTestId("upload-hint")).toHaveText(
    "The server makes the same checks and would refuse this file as it is: fix the problems above first.",
  );
}

test.describe("a CSV with problems", () => {
  let requestsBefore: number;

  // Listed with the browser's own cookies: the requests it would own.
  test.beforeEach(async ({ page }) => {
    requestsBefore = (await listRequests(page.request)).pagination.totalItems;
  });

  test.afterEach(async ({ page }) => {
    // Nothing is stored for a rejected file.
    expect((await listRequests(page.request)).pagination.totalItems).toBe(requestsBefore);
  });

  test("with a missing column is flagged in the preview and rejected by the server", async ({ page }) => {
    const dashboard = new DashboardPage(page);
    await dashboard.goto();
    const csv = "S. No.,Input Image Urls\r\n1,https://shop.example/a.jpg\r\n";
    await dashboard.chooseCsv("no-names.csv", csv);

    await expect(dashboard.previewProblems.getByTestId("problem")).toHaveCount(1);
    await expect(dashboard.previewProblems).toContainText("Row 1 · Product Name");
    await expect(dashboard.previewProblems).toContainText('Missing column "Product Name"');
    await expectNotOffered(dashboard);

    const answer = await serverAnswer(page.request, "no-names.csv", Buffer.from(csv));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/^The CSV has 1 problem; nothing was stored\. A Shopify or WooCommerce/);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        row: 1,
        column: "Product Name",
        message: expect.stringContaining('Missing column "Product Name"'),
      }),
    ]);
    expect(page.url()).not.toContain("/requests/");
  });

  test("with a file: URL and an empty name shows every problem with its row", async ({ page }) => {
    const dashboard = new DashboardPage(page);
    await dashboard.goto();
    const csv = productCsv([
      { serialNumber: 1, productName: "Good Row", imageUrls: [imageUrls.sunsetJpeg] },
      { serialNumber: 2, productName: "Sneaky Row", imageUrls: [imageUrls.leafPng, "file:///etc/passwd"] },
      { serialNumber: 3, productName: "", imageUrls: [imageUrls.iconPng] },
    ]);
    await dashboard.chooseCsv("with-problems.csv", csv);

    await expect(dashboard.previewCount("products")).toHaveText("3");
    const problems = dashboard.previewProblems.getByTestId("problem");
    await expect(problems).toHaveCount(2);
    await expect(problems.nth(0)).toContainText("Row 3 · Input Image Urls");
    await expect(problems.nth(0)).toContainText("file:///etc/passwd");
    await expect(problems.nth(0)).toContainText("only http and https");
    await expect(problems.nth(1)).toContainText("Row 4 · Product Name");
    await expect(problems.nth(1)).toContainText("Product Name is empty.");

    await expectNotOffered(dashboard);
    const answer = await serverAnswer(page.request, "with-problems.csv", Buffer.from(csv));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("The CSV has 2 problems; nothing was stored.");
    expect(answer.body.errors?.map((problem) => [problem.row, problem.column])).toEqual([
      [3, "Input Image Urls"],
      [4, "Product Name"],
    ]);
  });

  test("that is really an image is refused before and after upload", async ({ page }) => {
    const dashboard = new DashboardPage(page);
    await dashboard.goto();
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex");
    await dashboard.fileInput.setInputFiles({ name: "photo.csv", mimeType: "text/csv", buffer: png });

    await expect(page.getByTestId("preview-unreadable")).toContainText("This file is a PNG image, not a CSV.");
    await expectNotOffered(dashboard);
    const answer = await serverAnswer(page.request, "photo.csv", png);
    expect(answer.status).toBe(415);
    expect(answer.body.error).toContain("PNG image, not a CSV");
  });
});

test("the drop zone works with the keyboard", async ({ page }) => {
  const dashboard = new DashboardPage(page);
  await dashboard.goto();
  await dashboard.dropzone.focus();
  await expect(dashboard.dropzone).toBeFocused();
  // A visible focus ring: an outline or a ring (box-shadow) is drawn around it.
  const ring = await dashboard.dropzone.evaluate((element) => getComputedStyle(element).boxShadow);
  expect(ring).not.toBe("none");

  const chooserPromise = page.waitForEvent("filechooser");
  await page.keyboard.press("Enter");
  const chooser = await chooserPromise;
  await chooser.setFiles({
    name: "from-keyboard.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(productCsv([{ serialNumber: 1, productName: "Keyboard", imageUrls: [imageUrls.iconPng] }])),
  });
  await expect(page.getByTestId("chosen-file-name")).toHaveText("from-keyboard.csv");
  await expect(dashboard.previewCount("images")).toHaveText("1");

  await dashboard.dropzone.focus();
  const again = page.waitForEvent("filechooser");
  await page.keyboard.press(" ");
  await again;
});
