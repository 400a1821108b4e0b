import { rmSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { imageUrls } from "./support/image-server";
import { freePort } from "./support/ports";
import { RequestPage } from "./support/request-page";
import {
  expectCompletedOnce,
  type ServerProcess,
  startServerProcess,
  uploadUrls,
  waitForHealth,
} from "./support/server-process";

/**
 * The app as the README's `npm run dev` runs it. React's development mode runs every effect's
 * cleanup at once and the effect again, which the production build never does: a component that
 * undoes itself in a cleanup works in every other spec and breaks here.
 */

const DATA = path.resolve(".data/e2e-dev");
let server: ServerProcess | null = null;

// The first answer of each route waits for its compilation.
test.setTimeout(240_000);

test.beforeAll(async () => {
  rmSync(DATA, { recursive: true, force: true });
  server = startServerProcess({ dataDir: DATA, port: await freePort(), dev: true });
  await waitForHealth(server.origin, 180_000);
});

test.afterAll(async () => {
  server?.signal("SIGTERM");
  await server?.exited;
  rmSync(DATA, { recursive: true, force: true });
});

test("the full-size compare opens and stays open on the request page", async ({ page }) => {
  const { requestId } = await uploadUrls(server!.origin, [imageUrls.sunsetJpeg]);
  await expectCompletedOnce(server!.origin, requestId, 1);

  await page.goto(`${server!.origin}/requests/${requestId}`);
  const requestPage = new RequestPage(page);
  await requestPage.beforeImages.first().click();
  const dialog = page.getByTestId("compare-dialog");
  await expect(dialog).toBeVisible({ timeout: 60_000 });
  // Closed by nothing but the seller: still there a moment later, and gone with Escape.
  await page.waitForTimeout(1_000);
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
});
