import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { readCsv } from "../test/read-csv";
import { readZip } from "../test/read-zip";
import { productCsv } from "./support/csv";
import { imageUrls } from "./support/image-server";
import { RequestPage } from "./support/request-page";

/** The request page offers the images ZIP and, when anything failed, the failures report. */

async function uploadAndFinish(request: import("@playwright/test").APIRequestContext, csv: string) {
  const response = await request.post("/api/csv/upload", {
    multipart: { file: { name: "files.csv", mimeType: "text/csv", buffer: Buffer.from(csv) } },
  });
  expect(response.status(), await response.text()).toBe(202);
  const { requestId } = (await response.json()) as { requestId: string };
  await expect
    .poll(async () => (await (await request.get(`/api/csv/status/${requestId}?products=0`)).json()).completedAt, {
      timeout: 30_000,
    })
    .not.toBeNull();
  return requestId;
}

test("a finished request with a failed image offers the images ZIP and the failures report", async ({
  page,
  request,
}) => {
  const requestId = await uploadAndFinish(
    request,
    productCsv([
      { serialNumber: 1, productName: "Desk Lamp", imageUrls: [imageUrls.sunsetJpeg, imageUrls.missing] },
      { serialNumber: 2, productName: "Mug", imageUrls: [imageUrls.iconPng] },
    ]),
  );
  const requestPage = new RequestPage(page);
  await requestPage.goto(requestId);
  const zipButton = page.getByRole("link", { name: "Download images (ZIP)" });
  const failuresLink = page.getByRole("link", { name: "Failures report (1 image)" });
  await expect(zipButton).toBeVisible();
  await expect(failuresLink).toBeVisible();

  const zipDownload = page.waitForEvent("download");
  await zipButton.click();
  const zip = await zipDownload;
  expect(zip.suggestedFilename()).toBe("files-images.zip");
  const entries = await readZip(readFileSync((await zip.path())!));
  expect([...entries.keys()]).toEqual(["2-desk-lamp-1.jpg", "3-mug-1.png"]);

  const failuresDownload = page.waitForEvent("download");
  await failuresLink.click();
  const failures = await failuresDownload;
  expect(failures.suggestedFilename()).toBe("files-failures.csv");
  const rows = readCsv(readFileSync((await failures.path())!, "utf8"));
  expect(rows.slice(1).map((row) => row.slice(0, 4))).toEqual([["2", "1", "Desk Lamp", imageUrls.missing]]);
});

test("a request where nothing failed offers the ZIP alone", async ({ page, request }) => {
  const requestId = await uploadAndFinish(
    request,
    productCsv([{ serialNumber: 1, productName: "Mug", imageUrls: [imageUrls.iconPng] }]),
  );
  await new RequestPage(page).goto(requestId);
  await expect(page.getByRole("link", { name: "Download images (ZIP)" })).toBeVisible();
  await expect(page.getByTestId("download-failures")).toHaveCount(0);
});
