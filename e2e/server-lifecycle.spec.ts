import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { type ImageServer, serveBytes, startImageServer } from "../test/image-server";
import { photoJpeg } from "../test/sample-images";
import { freePort } from "./support/ports";
import {
  expectCompletedOnce,
  type ServerProcess,
  startServerProcess,
  statusOf,
  uploadUrls,
  waitForHealth,
} from "./support/server-process";

/** Stopping and starting the server as an operator would: SIGTERM, two owners of one folder, kill -9. */

const IMAGE_COUNT = 12;
let images: ImageServer;
const started: ServerProcess[] = [];

test.beforeAll(async () => {
  images = await startImageServer();
  const jpeg = await photoJpeg();
  for (let i = 0; i < IMAGE_COUNT; i++) {
    images.route(`/slow-${i}.jpg`, async (request, response, hit) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      serveBytes(jpeg, "image/jpeg")(request, response, hit);
    });
  }
});

test.afterAll(async () => {
  for (const server of started) server.signal("SIGKILL");
  await images.close();
});

function start(dataDir: string, port: number, env: Record<string, string> = {}) {
  const server = startServerProcess({ dataDir, port, env });
  started.push(server);
  return server;
}

test("SIGTERM mid-request: the images under way finish, the rest wait for the next start, nothing is counted twice", async () => {
  test.setTimeout(120_000);
  const data = path.resolve(".data/e2e-sigterm");
  rmSync(data, { recursive: true, force: true });
  const port = await freePort();
  const settings = { WORKER_CONCURRENCY: "2", SHUTDOWN_GRACE_MS: "3000" };
  const first = start(data, port, settings);
  await waitForHealth(first.origin);

  const urls = Array.from({ length: IMAGE_COUNT }, (_, i) => images.url(`/slow-${i}.jpg`));
  const accepted = await uploadUrls(first.origin, urls, "sigterm.csv");
  await expect
    .poll(async () => (await statusOf(first.origin, accepted.requestId)).progress.processedImages, {
      timeout: 30_000,
      intervals: [100],
    })
    .toBeGreaterThanOrEqual(2);

  const signalledAt = Date.now();
  first.signal("SIGTERM");
  expect(await first.exited).toBe(0);
  // Within the grace period and then some: it does not linger.
  expect(Date.now() - signalledAt).toBeLessThan(3_000 + 2_000);
  expect(first.output()).toContain("runner stopped");
  // The folder is free again: the lock went with the process.
  expect(existsSync(`${data}/pglite.lock`)).toBe(false);

  const second = start(data, port, settings);
  await waitForHealth(second.origin);
  await expectCompletedOnce(second.origin, accepted.requestId, IMAGE_COUNT);
  // Each image was downloaded by one attempt only: what was under way finished, the rest waited.
  for (let i = 0; i < IMAGE_COUNT; i++) expect(images.hits(`/slow-${i}.jpg`)).toBe(1);
});

test("one server per embedded database folder: a second one refuses to start, naming the owner", async () => {
  test.setTimeout(120_000);
  const data = path.resolve(".data/e2e-owner");
  rmSync(data, { recursive: true, force: true });
  const owner = start(data, await freePort());
  await waitForHealth(owner.origin);
  const accepted = await uploadUrls(owner.origin, [images.url("/slow-0.jpg")], "owner.csv");

  const second = start(data, await freePort());
  expect(await second.exited).toBe(1);
  expect(second.output()).toContain(
    `The embedded database folder ${data}/pglite is in use by another process (pid ${owner.pid}`,
  );
  expect(second.output()).toContain("use PostgreSQL (DATABASE_URL)");

  // The owner goes on serving, and nothing of its data was touched.
  await waitForHealth(owner.origin);
  await expect.poll(async () => (await statusOf(owner.origin, accepted.requestId)).status).toBe("completed");

  // The owner dies without a word (kill -9): its lock stays behind, and the next start takes it over.
  owner.signal("SIGKILL");
  await owner.exited;
  expect(JSON.parse(readFileSync(`${data}/pglite.lock`, "utf8")).pid).toBe(owner.pid);
  const next = start(data, await freePort());
  await waitForHealth(next.origin);
  expect((await statusOf(next.origin, accepted.requestId)).status).toBe("completed");
  expect(JSON.parse(readFileSync(`${data}/pglite.lock`, "utf8")).pid).toBe(next.pid);
});

test("pages say the database cannot be reached instead of failing, and health names it", async ({ page }) => {
  test.setTimeout(120_000);
  const closedPort = await freePort();
  const server = start(path.resolve(".data/e2e-no-database"), await freePort(), {
    DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/none`,
  });
  await expect
    .poll(async () => (await fetch(`${server.origin}/api/health`).catch(() => null))?.status ?? 0, { timeout: 60_000 })
    .toBe(503);
  const health = await (await fetch(`${server.origin}/api/health`)).json();
  expect(health.error).toMatch(/^database: PostgreSQL \(DATABASE_URL\) cannot be reached/);

  for (const path of ["/", "/requests/00000000-0000-4000-8000-000000000000"]) {
    await page.goto(`${server.origin}${path}`);
    await expect(page.getByTestId("database-unavailable")).toContainText("The database cannot be reached right now");
  }
});
