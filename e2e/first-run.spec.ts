import { type ChildProcess, spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import Papa from "papaparse";
import { expect, test } from "@playwright/test";
import { appServerProcessEnv } from "./support/app-server";
import { DashboardPage } from "./support/dashboard-page";
import { APP_URL, freePort } from "./support/ports";
import { RequestPage } from "./support/request-page";

/**
 * A newcomer's first run, with no outside network: the sample photos ship with the app and the
 * sample CSV points at the app's own origin, so the demo ends with real compressed images.
 */

test("try it with sample images: sample CSV, upload, compressed images, output CSV", async ({ page, request }) => {
  const dashboard = new DashboardPage(page);
  await dashboard.goto();
  await dashboard.trySamples();
  await expect(dashboard.previewCount("products")).toHaveText("4");
  await expect(dashboard.previewCount("images")).toHaveText("5");
  await expect(dashboard.previewCount("unique-images")).toHaveText("4");
  await expect(dashboard.previewOk).toBeVisible();

  await dashboard.upload();
  await page.waitForURL(/\/requests\/[^/]+$/);
  const requestPage = new RequestPage(page);
  await requestPage.waitUntilFinished();
  await expect(requestPage.status).toHaveAttribute("data-status", "completed");
  await expect(requestPage.processed).toHaveText("4");
  await expect(requestPage.failed).toHaveText("0");
  await requestPage.expectImagesLoaded(requestPage.afterImages);

  const downloadPromise = page.waitForEvent("download");
  await requestPage.downloadButton.click();
  const text = await readFile((await (await downloadPromise).path())!, "utf8");
  const rows = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
  expect(rows.map((row) => row[1])).toEqual([
    "Product Name",
    "Ceramic mug",
    "Linen shirt",
    "Running shoe",
    "Desk lamp",
  ]);
  for (const [, , input, output] of rows.slice(1)) {
    const inputs = input.split(",").map((url) => url.trim());
    const outputs = output.split(",").map((url) => url.trim());
    expect(inputs.every((url) => url.startsWith(`${APP_URL}/samples/`))).toBe(true);
    expect(outputs).toHaveLength(inputs.length);
    for (const [position, url] of outputs.entries()) {
      const compressed = await request.get(url);
      expect(compressed.status()).toBe(200);
      const original = await request.get(inputs[position]);
      expect((await compressed.body()).length).toBeLessThan((await original.body()).length);
    }
  }
});

test("the sample CSV can be downloaded, built for the address the dashboard was opened at", async ({ page }) => {
  const dashboard = new DashboardPage(page);
  await dashboard.goto();
  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download the sample CSV" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe("sample-products.csv");
  const csv = await readFile((await download.path())!, "utf8");
  expect(csv).toContain(`${APP_URL}/samples/ceramic-mug.jpg`);
  await dashboard.chooseCsv("sample-products.csv", csv);
  await expect(dashboard.previewOk).toBeVisible();
});

test.describe("next dev opened at http://127.0.0.1", () => {
  const data = path.resolve(".data/e2e-dev");
  let server: ChildProcess | null = null;
  let origin = "";

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    await rm(data, { recursive: true, force: true });
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    // No -H: `npm run dev` listens on every interface, and the developer types 127.0.0.1 by hand.
    server = spawn(process.execPath, ["node_modules/next/dist/bin/next", "dev", "-p", String(port)], {
      detached: true,
      stdio: "ignore",
      env: appServerProcessEnv({ dataDir: data, port }),
    });
    await expect
      .poll(async () => (await fetch(`${origin}/api/health`).catch(() => null))?.status ?? 0, {
        timeout: 150_000,
        intervals: [500],
      })
      .toBe(200);
  });

  test.afterAll(() => {
    if (server?.pid) process.kill(-server.pid, "SIGKILL");
  });

  test("the dashboard's drop zone, preview and upload button work", async ({ page }) => {
    test.setTimeout(120_000);
    const blocked: string[] = [];
    page.on("response", (response) => {
      if (response.status() === 403 && response.url().includes("/_next/")) blocked.push(response.url());
    });
    await page.goto(`${origin}/`);
    const dashboard = new DashboardPage(page);
    await expect(page.getByRole("heading", { name: "Upload a CSV" })).toBeVisible({ timeout: 60_000 });
    await dashboard.trySamples();
    await expect(dashboard.previewOk).toBeVisible({ timeout: 30_000 });
    await expect(dashboard.uploadButton).toBeEnabled();
    expect(blocked).toEqual([]);
  });
});
