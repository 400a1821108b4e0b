import { rmSync } from "node:fs";
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

/**
 * Kills the production server while a request is half done, starts it again on the same data, and
 * checks that the request finishes with every image counted once and every output file present.
 */

const DATA = path.resolve(".data/e2e-restart");
const IMAGE_COUNT = 12;

let images: ImageServer;
let server: ServerProcess | null = null;

test.beforeAll(async () => {
  rmSync(DATA, { recursive: true, force: true });
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
  server?.signal("SIGKILL");
  await images.close();
});

test("a request survives the server being killed halfway", async () => {
  test.setTimeout(120_000);
  const port = await freePort();
  server = startServerProcess({ dataDir: DATA, port, env: { WORKER_CONCURRENCY: "2" } });
  await waitForHealth(server.origin);

  const urls = Array.from({ length: IMAGE_COUNT }, (_, i) => images.url(`/slow-${i}.jpg`));
  const accepted = await uploadUrls(server.origin, urls, "restart.csv");
  expect(accepted.images).toBe(IMAGE_COUNT);
  await expect
    .poll(async () => (await statusOf(server!.origin, accepted.requestId)).progress.processedImages, {
      timeout: 30_000,
      intervals: [100],
    })
    .toBeGreaterThanOrEqual(2);
  const atKill = await statusOf(server.origin, accepted.requestId);
  server.signal("SIGKILL");
  await server.exited;
  expect(atKill.progress.processedImages).toBeLessThan(IMAGE_COUNT);

  server = startServerProcess({ dataDir: DATA, port, env: { WORKER_CONCURRENCY: "2" } });
  await waitForHealth(server.origin);
  await expectCompletedOnce(server.origin, accepted.requestId, IMAGE_COUNT);
});
