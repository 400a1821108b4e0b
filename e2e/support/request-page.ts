import { expect, type Locator, type Page } from "@playwright/test";

/** A request's page at `/requests/<id>`: progress, counts, products with before/after images, download. */
export class RequestPage {
  readonly status: Locator;
  readonly percent: Locator;
  readonly progressBar: Locator;
  readonly processed: Locator;
  readonly failed: Locator;
  readonly total: Locator;
  readonly totalSaving: Locator;
  readonly products: Locator;
  readonly imageRows: Locator;
  readonly afterImages: Locator;
  readonly beforeImages: Locator;
  readonly downloadButton: Locator;
  readonly webhook: Locator;

  constructor(readonly page: Page) {
    this.status = page.getByTestId("request-status");
    this.percent = page.getByTestId("progress-percent");
    this.progressBar = page.getByRole("progressbar", { name: "Images finished" });
    this.processed = page.getByTestId("count-processed");
    this.failed = page.getByTestId("count-failed");
    this.total = page.getByTestId("count-total");
    this.totalSaving = page.getByTestId("total-saving");
    this.products = page.getByTestId("product");
    this.imageRows = page.getByTestId("image-row");
    this.afterImages = page.getByTestId("after-image");
    this.beforeImages = page.getByTestId("before-image");
    this.downloadButton = page.getByTestId("download-csv");
    this.webhook = page.getByTestId("webhook");
  }

  async goto(requestId: string) {
    await this.page.goto(`/requests/${encodeURIComponent(requestId)}`);
  }

  requestIdFromUrl(): string {
    const match = /\/requests\/([^/?#]+)/.exec(this.page.url());
    if (!match) throw new Error(`Not on a request page: ${this.page.url()}`);
    return decodeURIComponent(match[1]);
  }

  async waitUntilFinished(timeout = 60_000) {
    await expect(this.status).not.toHaveAttribute("data-status", "processing", { timeout });
  }

  /** Every image has loaded and decoded (lazy images are scrolled into view first). */
  async expectImagesLoaded(images: Locator) {
    for (const image of await images.all()) {
      await image.scrollIntoViewIfNeeded();
      await expect
        .poll(() => image.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth), {
          timeout: 10_000,
        })
        .toBeGreaterThan(0);
    }
  }
}
