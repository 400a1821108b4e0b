import { expect, type Locator, type Page, test } from "@playwright/test";
import { productCsv } from "./support/csv";
import { DashboardPage } from "./support/dashboard-page";
import { imageUrls } from "./support/image-server";
import { IMAGE_SERVER_URL } from "./support/ports";
import { RequestPage } from "./support/request-page";

/**
 * Judging the result before committing: the first images of a dropped CSV tried with the chosen
 * options, compared before and after at full size, tried again at another quality, then uploaded;
 * and the same full-size compare on the request page. The browser never loads the uploader's URLs.
 */

const csv = productCsv([
  { serialNumber: 1, productName: "Sunset Tee", imageUrls: [imageUrls.sunsetJpeg, imageUrls.leafPng] },
  { serialNumber: 2, productName: "Harbour Print", imageUrls: [imageUrls.harbourJpegSlow, imageUrls.missing] },
  { serialNumber: 3, productName: "Icon Pin", imageUrls: [imageUrls.iconPng, imageUrls.meadowJpegSlow] },
]);

/** Every URL the page's browser asks for, to prove none is the uploader's. */
function watchRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on("request", (request) => urls.push(request.url()));
  return urls;
}

async function expectLoaded(image: Locator) {
  await expect
    .poll(() => image.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth), {
      timeout: 15_000,
    })
    .toBeGreaterThan(0);
}

/** Bytes of the output, read from "… → 12.3 KB, 80% smaller …". */
function outputKilobytes(summary: string): number {
  const match = /→ ([\d.]+) (KB|MB|B)/.exec(summary);
  if (!match) throw new Error(`No sizes in "${summary}"`);
  const factor = { B: 1 / 1000, KB: 1, MB: 1000 }[match[2] as "B" | "KB" | "MB"];
  return Number(match[1]) * factor;
}

test("try the first 5 images, compare them, try again at another quality, then upload and compare there", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const requested = watchRequests(page);
  const dashboard = new DashboardPage(page);
  await dashboard.goto();
  await dashboard.chooseCsv("trial-catalogue.csv", csv);
  const trial = page.getByTestId("trial-panel");

  await test.step("try the first 5 images with the default options", async () => {
    await trial.getByRole("button", { name: "Try the first 5 images" }).click();
    await expect(trial.getByTestId("trial-result")).toHaveAttribute("data-quality", "50", { timeout: 60_000 });
    await expect(trial.getByTestId("trial-image")).toHaveCount(5);
    // Each named by its product and place, as the seller knows it.
    await expect(trial.getByTestId("trial-image").first()).toContainText("Sunset Tee · 1");
    await expect(trial.getByTestId("trial-image").nth(3)).toContainText("Harbour Print · 2");
    await expect(trial.locator("[data-testid=trial-image][data-status=completed]")).toHaveCount(4);
    await expect(trial.locator("[data-testid=trial-image][data-status=failed]")).toHaveCount(1);
  });

  const summary = trial.getByTestId("trial-summary");
  let firstKilobytes = 0;
  await test.step("see the first image before and after at full size, with bytes and percent", async () => {
    await expect(summary).toHaveText(/KB → [\d.]+ KB, \d+% smaller · JPEG · \d+×\d+/);
    firstKilobytes = outputKilobytes((await summary.textContent()) ?? "");
    const view = trial.getByTestId("compare-view");
    const before = view.getByTestId("compare-before");
    const after = view.getByTestId("compare-after");
    await expect(before).toHaveAttribute("src", /^\/api\/csv\/trial\/[^/]+\/1\/before$/);
    await expect(after).toHaveAttribute("src", /^\/api\/csv\/trial\/[^/]+\/1\/after$/);
    await expectLoaded(before);
    await expectLoaded(after);

    // The divider moves with the keyboard: less of the before is shown.
    await view.getByTestId("compare-divider").focus();
    await page.keyboard.press("Home");
    await expect(before).toHaveCSS("clip-path", "inset(0px 100% 0px 0px)");
    await page.keyboard.press("End");
    await expect(before).toHaveCSS("clip-path", "inset(0px 0% 0px 0px)");

    // Actual size: the output's pixels one for one, in a frame that scrolls.
    await view.getByRole("button", { name: "Actual size" }).click();
    await expect(view).toHaveAttribute("data-zoom", "actual");
    const [naturalWidth, shownWidth] = await after.evaluate((element: HTMLImageElement) => [
      element.naturalWidth,
      element.getBoundingClientRect().width,
    ]);
    expect(shownWidth).toBe(naturalWidth);

    // A failed image says why.
    await trial.locator("[data-testid=trial-image][data-status=failed]").click();
    await expect(trial.getByTestId("trial-error")).toContainText("not found (HTTP 404)");
    await trial.getByTestId("trial-image").first().click();
  });

  await test.step("change the quality: the result says it is stale until tried again", async () => {
    await dashboard.setQuality(10);
    await expect(trial.getByTestId("trial-stale")).toBeVisible();
    await trial.getByRole("button", { name: "Try again with these options" }).click();
    await expect(trial.getByTestId("trial-result")).toHaveAttribute("data-quality", "10", { timeout: 60_000 });
    await expect(trial.getByTestId("trial-stale")).toHaveCount(0);
    await expect(summary).toHaveText(/KB → [\d.]+ KB, \d+% smaller/);
    expect(outputKilobytes((await summary.textContent()) ?? "")).toBeLessThan(firstKilobytes);
    await expectLoaded(trial.getByTestId("compare-after"));
  });

  const requestPage = new RequestPage(page);
  await test.step("upload the whole file with the options tried", async () => {
    await dashboard.upload();
    await page.waitForURL(/\/requests\/[^/]+$/);
    await requestPage.waitUntilFinished();
    await expect(requestPage.status).toHaveAttribute("data-status", "completed");
  });

  await test.step("the request page: small after thumbnails, and a full-size compare on click", async () => {
    const firstRow = requestPage.products.nth(0).getByTestId("image-row").first();
    const thumbnail = firstRow.getByTestId("after-image");
    await expect(thumbnail).toHaveAttribute("src", /\/files\/thumbnails\/[^/]+\/\d+-output\.webp$/);
    await expectLoaded(thumbnail);
    expect(await thumbnail.evaluate((element: HTMLImageElement) => element.naturalWidth)).toBeLessThanOrEqual(128);

    await firstRow.getByTestId("compare-open").last().click();
    const dialog = page.getByTestId("compare-dialog");
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId("compare-sizes")).toHaveText(/KB → [\d.]+ KB \(\d+% smaller\)/);
    const before = dialog.getByTestId("compare-before");
    const after = dialog.getByTestId("compare-after");
    await expect(before).toHaveAttribute("src", /\/files\/thumbnails\/[^/]+\/\d+-original\.jpg$/);
    await expect(after).toHaveAttribute("src", /\/files\/images\/[^/]+\/\d+\.jpg$/);
    await expectLoaded(before);
    await expectLoaded(after);
    // The before is the original at the output's size: the two line up pixel for pixel.
    const sizes = await Promise.all(
      [before, after].map((image) =>
        image.evaluate((element: HTMLImageElement) => [element.naturalWidth, element.naturalHeight]),
      ),
    );
    expect(sizes[0]).toEqual(sizes[1]);
    await page.keyboard.press("Escape");
    await expect(dialog).toHaveCount(0);
  });

  // Neither the trial nor the request page had the browser load an image from the uploader's host.
  expect(requested.filter((url) => url.startsWith(IMAGE_SERVER_URL))).toEqual([]);
});
