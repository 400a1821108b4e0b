import { expect, type Locator, type Page } from "@playwright/test";

/** The dashboard at `/`: drop zone, preview, options, upload, recent uploads. */
export class DashboardPage {
  readonly dropzone: Locator;
  readonly fileInput: Locator;
  readonly preview: Locator;
  readonly previewProblems: Locator;
  readonly previewOk: Locator;
  readonly uploadButton: Locator;
  readonly uploadError: Locator;
  readonly serverProblems: Locator;
  readonly recentRequests: Locator;

  constructor(readonly page: Page) {
    this.dropzone = page.getByTestId("dropzone");
    this.fileInput = page.getByTestId("csv-file-input");
    this.preview = page.getByTestId("csv-preview");
    this.previewProblems = page.getByTestId("preview-problems");
    this.previewOk = page.getByTestId("preview-ok");
    this.uploadButton = page.getByRole("button", {
      name: /^(Upload and compress|Fix the problems to upload|Choose the columns to upload)/,
    });
    this.uploadError = page.getByTestId("upload-error");
    this.serverProblems = page.getByTestId("server-problems");
    this.recentRequests = page.getByTestId("recent-request");
  }

  async goto() {
    await this.page.goto("/");
    await expect(this.page.getByRole("heading", { name: "Upload a CSV" })).toBeVisible();
  }

  /** Chooses a CSV as the file picker would (the drop zone's hidden input). */
  async chooseCsv(name: string, csv: string) {
    await this.fileInput.setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });
    await expect(this.page.getByTestId("chosen-file-name")).toHaveText(name);
  }

  /** "Try it with sample images": a sample CSV of the app's own product photos becomes the chosen file. */
  async trySamples() {
    await this.page.getByRole("button", { name: "Try it with sample images" }).click();
    await expect(this.page.getByTestId("chosen-file-name")).toHaveText("sample-products.csv");
  }

  previewCount(what: "products" | "images" | "unique-images"): Locator {
    return this.page.getByTestId(`preview-${what}`);
  }

  async setWebhookUrl(url: string) {
    await this.page.getByText("Advanced options").click();
    await this.page.getByLabel(/Webhook URL/).fill(url);
  }

  async setQuality(quality: number) {
    await this.page.getByLabel("Quality").fill(String(quality));
  }

  async upload() {
    await this.uploadButton.click();
  }
}
