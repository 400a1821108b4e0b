import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { type APIRequest, type APIRequestContext, expect, type Page, test } from "@playwright/test";
import type { RequestList, UploadAccepted } from "../lib/contract";
import { appServerProcessEnv } from "./support/app-server";
import { productCsv } from "./support/csv";
import { imageUrls } from "./support/image-server";
import { freePort } from "./support/ports";
import { type ServerProcess, startServerProcess, waitForHealth } from "./support/server-process";

/**
 * AUTH_MODE=keys end to end: keys made with the CLI, the dashboard signed in with one, keys created
 * and revoked on /keys, and two workspaces that never see each other's uploads.
 */

const DATA = path.resolve(".data/e2e-keys-mode");
const KEYS_MODE = { AUTH_MODE: "keys", AUTH_SECRET: "e2e-keys-mode-secret-of-at-least-32-characters" };
const API_KEY = /^cic_([A-Za-z0-9]{8})_[A-Za-z0-9]{27}$/;

/** A workspace made with the CLI: its key, the API called with that key, and one upload of its own. */
type Workspace = { key: string; api: APIRequestContext; upload: UploadAccepted };

let server: ServerProcess | null = null;
let origin = "";
let acme: Workspace;
let globex: Workspace;
const apiContexts: APIRequestContext[] = [];

const runCli = promisify(execFile);

/** `npm run api-keys -- create`: the key is the last line it prints. */
async function createKeyWithCli(port: number, workspace: string, name: string): Promise<string> {
  const { stdout } = await runCli("npm", ["run", "-s", "api-keys", "--", "create", workspace, "--name", name], {
    env: { ...appServerProcessEnv({ dataDir: DATA, port }), ...KEYS_MODE },
  });
  const key = stdout.trim().split("\n").at(-1)!;
  expect(key).toMatch(API_KEY);
  return key;
}

/** Uploads a one-product CSV through the API with the workspace's key. */
async function workspaceWithUpload(request: APIRequest, key: string, fileName: string): Promise<Workspace> {
  const api = await request.newContext({ baseURL: origin, extraHTTPHeaders: { Authorization: `Bearer ${key}` } });
  apiContexts.push(api);
  const csv = productCsv([{ serialNumber: 1, productName: "Desk lamp", imageUrls: [imageUrls.iconPng] }]);
  const response = await api.post("/api/csv/upload", {
    multipart: { file: { name: fileName, mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") } },
  });
  expect(response.status(), await response.text()).toBe(202);
  return { key, api, upload: (await response.json()) as UploadAccepted };
}

async function signIn(page: Page, key: string) {
  await page.goto(`${origin}/sign-in`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

test.beforeAll(async ({ playwright }) => {
  // Two CLI runs (each starts the embedded database) and a server start.
  test.setTimeout(120_000);
  rmSync(DATA, { recursive: true, force: true });
  const port = await freePort();
  // The embedded database has one owner at a time: the CLI runs before the server starts.
  const acmeKey = await createKeyWithCli(port, "acme", "Acme shop sync");
  const globexKey = await createKeyWithCli(port, "globex", "Globex shop sync");
  server = startServerProcess({ dataDir: DATA, port, env: KEYS_MODE });
  origin = server.origin;
  await waitForHealth(origin);

  acme = await workspaceWithUpload(playwright.request, acmeKey, "acme-products.csv");
  globex = await workspaceWithUpload(playwright.request, globexKey, "globex-products.csv");
});

test.afterAll(async () => {
  for (const api of apiContexts) await api.dispose();
  server?.signal("SIGTERM");
  await server?.exited;
});

test("the dashboard signs in with a workspace's key, shows only its uploads, and signs out", async ({ page }) => {
  await page.goto(`${origin}/`);
  await expect(page).toHaveURL(`${origin}/sign-in`);

  await page.getByLabel("API key").fill("cic_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbb");
  await page.getByRole("button", { name: "Sign in" }).click();
  // In the form: Next.js's route announcer is an alert of its own.
  await expect(page.locator("form").getByRole("alert")).toHaveText("That API key is not valid, or it was revoked.");
  await expect(page).toHaveURL(`${origin}/sign-in`);

  await signIn(page, acme.key);
  await expect(page).toHaveURL(`${origin}/`);
  await expect(page.getByRole("heading", { name: "Upload a CSV" })).toBeVisible();
  await expect(page.getByRole("link", { name: "API keys" })).toBeVisible();

  const recent = page.getByTestId("recent-request");
  await expect(recent.and(page.locator(`[data-request-id="${acme.upload.requestId}"]`))).toBeVisible();
  await expect(page.locator(`[data-request-id="${globex.upload.requestId}"]`)).toHaveCount(0);
  await expect(recent).toHaveCount(1);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(`${origin}/sign-in`);
  await expect(page.getByLabel("API key")).toBeVisible();
  // The session cookie is gone, not just the page: the dashboard sends to sign-in again.
  await page.goto(`${origin}/`);
  await expect(page).toHaveURL(`${origin}/sign-in`);
});

test("a key created on /keys is shown once, works, and is refused once revoked", async ({ page, request }) => {
  await signIn(page, acme.key);
  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();

  await page.getByLabel(/^Name/).fill("Shop sync");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-api-key").textContent())!.trim();
  const prefix = API_KEY.exec(key)?.[1];
  expect(prefix, key).toBeDefined();
  const row = page.locator(`[data-testid="api-key"][data-prefix="${prefix}"]`);
  await expect(row).toContainText("Shop sync");

  const withKey = { headers: { Authorization: `Bearer ${key}` } };
  expect((await request.get(`${origin}/api/csv/requests`, withKey)).status()).toBe(200);

  // Shown once: after a reload the list names the key by its prefix only.
  await page.reload();
  await expect(row).toBeVisible();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  expect(await page.content()).not.toContain(key);

  page.once("dialog", (dialog) => dialog.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("Revoked");

  const refused = await request.get(`${origin}/api/csv/requests`, withKey);
  expect(refused.status()).toBe(401);
  expect(refused.headers()["www-authenticate"]).toMatch(/^Bearer/);
  // Only that key is refused: the workspace's first key still works.
  expect((await acme.api.get("/api/csv/requests")).status()).toBe(200);
});

test("/keys fits a phone's width, and a new key is copied with one click", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, acme.key);
  await page.goto(`${origin}/keys`);
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-api-key").textContent())!.trim();
  expect(key).toMatch(API_KEY);

  // Nothing wider than the screen, and every Revoke in sight.
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    screen: document.documentElement.clientWidth,
  }));
  expect(widths.page).toBeLessThanOrEqual(widths.screen);
  for (const revoke of await page.getByRole("button", { name: /^Revoke/ }).all()) {
    const box = (await revoke.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
  }
  // Nor does the table scroll sideways inside its box.
  const table = page.getByRole("table");
  expect(
    await table.evaluate((element) => element.parentElement!.scrollWidth - element.parentElement!.clientWidth),
  ).toBe(0);

  await page.getByTestId("copy-api-key").click();
  await expect(page.getByTestId("copy-api-key")).toHaveText("Copied");
  await expect(page.getByText("Copied to the clipboard", { exact: true })).toHaveAttribute("role", "status");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  // The feedback goes after a moment.
  await expect(page.getByTestId("copy-api-key")).toHaveText("Copy key");
});

test("another workspace's request is not found, on its page and through the API", async ({ page }) => {
  await signIn(page, acme.key);

  // The workspace's own request opens, so the not-found below is about the owner, not the page.
  await page.goto(`${origin}/requests/${acme.upload.requestId}`);
  await expect(page.getByRole("heading", { name: "acme-products.csv", level: 1 })).toBeVisible();

  await page.goto(`${origin}/requests/${globex.upload.requestId}`);
  await expect(page.getByTestId("not-found")).toContainText("We can't find that request");
  await expect(page.getByText("globex-products.csv")).toHaveCount(0);

  expect((await acme.api.get(`/api/csv/status/${globex.upload.requestId}`)).status()).toBe(404);
  const listed = (await (await acme.api.get("/api/csv/requests")).json()) as RequestList;
  expect(listed.requests.map((request) => request.requestId)).toEqual([acme.upload.requestId]);
  expect((await globex.api.get(`/api/csv/status/${globex.upload.requestId}`)).status()).toBe(200);
});

test("signing in never leads to another site, however `next` is spelled", async ({ page }) => {
  // A site that is not this one, on this machine: were the redirect followed, nothing leaves it.
  const elsewhere = `localhost:${await freePort()}`;
  const leftForElsewhere: string[] = [];
  await page.route(
    (url) => url.origin !== origin,
    (route) => {
      leftForElsewhere.push(route.request().url());
      return route.abort();
    },
  );
  for (const spelling of ["%09", "%0a", "%0d", "%5C"]) {
    await page.context().clearCookies();
    await page.goto(`${origin}/sign-in?next=/${spelling}/${elsewhere}/x`);
    await page.getByLabel("API key").fill(acme.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
    expect(new URL(page.url()).origin, spelling).toBe(origin);
  }
  expect(leftForElsewhere).toEqual([]);
});

test("the paths earlier clients use answer a key, not a sign-in page", async () => {
  const { requestId } = acme.upload;
  for (const path of [`/status/${requestId}`, `/csv/status/${requestId}`]) {
    const status = await acme.api.get(path, { maxRedirects: 0 });
    expect(status.status(), path).toBe(200);
    expect(((await status.json()) as { requestId: string }).requestId).toBe(requestId);
  }
  for (const path of [`/download/${requestId}`, `/csv/download/${requestId}`]) {
    const download = await acme.api.get(path, { maxRedirects: 0 });
    expect([200, 409], path).toContain(download.status());
  }
  // Another workspace's key is refused there as on the canonical paths.
  expect((await globex.api.get(`/status/${requestId}`, { maxRedirects: 0 })).status()).toBe(404);
});
