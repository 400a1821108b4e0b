import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { type ImageServer, serveBytes, startImageServer } from "../test/image-server";
import { photoJpeg } from "../test/sample-images";
import { appServerProcessEnv } from "./support/app-server";
import { freePort } from "./support/ports";

/**
 * Kills the production server while a request is half done, starts it again on the same data, and
 * checks that the request finishes with every image counted once and every output file present.
 */

const DATA = path.resolve(".data/e2e-restart");
const IMAGE_COUNT = 12;

let images: ImageServer;
let server: ChildProcess | null = null;
let port: number;
let origin: string;

test.beforeAll(async () => {
  rmSync(DATA, { recursive: true, force: true });
  port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  images = await startImageServer();
  const jpeg = await photoJpeg();
  for (let i = 0; i < IMAGE_COUNT; i++) {
    images.route(`/slow-${i}.jpg`, async (request, response, hit) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      serveBytes(jpeg, "image/jpeg")(request, response, hit);
    });
  }
});

test.afterAll(async () => {
  stopServer("SIGKILL");
  await images.close();
});

function startServer(): Promise<void> {
  server = spawn(
    process.execPath,
    ["node_modules/next/dist/bin/next", "start", "-H", "127.0.0.1", "-p", String(port)],
    {
      detached: true,
      stdio: "ignore",
      env: { ...appServerProcessEnv({ dataDir: DATA, port }), WORKER_CONCURRENCY: "2" },
    },
  );
  return waitForHealth();
}

function stopServer(signal: NodeJS.Signals) {
  if (server?.pid) {
    try {
      process.kill(-server.pid, signal);
    } catch {
      // Already gone.
    }
  }
  server = null;
}

async function waitForHealth() {
  await expect
    .poll(async () => (await fetch(`${origin}/api/health`).catch(() => null))?.status ?? 0, {
      timeout: 60_000,
      intervals: [250],
    })
    .toBe(200);
}

async function status(requestId: string) {
  return (await fetch(`${origin}/api/csv/status/${requestId}?pageSize=100`)).json();
}

test("a request survives the server being killed halfway", async () => {
  test.setTimeout(120_000);
  await startServer();

  const urls = Array.from({ length: IMAGE_COUNT }, (_, i) => images.url(`/slow-${i}.jpg`));
  const rows = urls.map((url, i) => `${i + 1},Product ${i + 1},${url}`).join("\n");
  const form = new FormData();
  form.set("file", new File([`S. No.,Product Name,Input Image Urls\n${rows}\n`], "restart.csv", { type: "text/csv" }));
  const accepted = await (await fetch(`${origin}/api/csv/upload`, { method: "POST", body: form })).json();
  expect(accepted.images).toBe(IMAGE_COUNT);

  await expect
    .poll(async () => (await status(accepted.requestId)).progress.processedImages, {
      timeout: 30_000,
      intervals: [100],
    })
    .toBeGreaterThanOrEqual(2);
  const atKill = await status(accepted.requestId);
  stopServer("SIGKILL");
  expect(atKill.progress.processedImages).toBeLessThan(IMAGE_COUNT);

  await startServer();
  await expect
    .poll(async () => (await status(accepted.requestId)).status, { timeout: 60_000, intervals: [250] })
    .toBe("completed");

  const final = await status(accepted.requestId);
  expect(final.progress).toEqual({
    totalImages: IMAGE_COUNT,
    processedImages: IMAGE_COUNT,
    failedImages: 0,
    percent: 100,
  });
  const finished = final.products.flatMap(
    (product: { images: { status: string; bytesIn: number; outputUrl: string }[] }) => product.images,
  );
  expect(finished.every((image: { status: string }) => image.status === "completed")).toBe(true);
  // Counted once: the request's byte total is exactly the sum over its images.
  expect(final.totals.bytesIn).toBe(
    finished.reduce((sum: number, image: { bytesIn: number }) => sum + image.bytesIn, 0),
  );
  for (const image of finished) {
    const response = await fetch(image.outputUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
  }
  const csv = await (await fetch(`${origin}${accepted.downloadUrl}`)).text();
  expect(csv.trim().split("\r\n")).toHaveLength(IMAGE_COUNT + 1);
  expect(csv).not.toMatch(/,\s*$/m);
});
