import { rmSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import postgres from "postgres";
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
 * checks that the request finishes with every image counted once, every output file present and one
 * webhook call: on the embedded database (its own thread, its folder lock taken over after the kill)
 * and, when DATABASE_URL names a PostgreSQL server, on a fresh database there.
 */

const IMAGE_COUNT = 12;
const postgresUrl = process.env.DATABASE_URL;

let images: ImageServer;
let server: ServerProcess | null = null;
let webhookCalls = 0;

test.beforeAll(async () => {
  images = await startImageServer();
  const jpeg = await photoJpeg();
  for (let i = 0; i < IMAGE_COUNT; i++) {
    images.route(`/slow-${i}.jpg`, async (request, response, hit) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      serveBytes(jpeg, "image/jpeg")(request, response, hit);
    });
  }
  images.route("/hook", (request, response) => {
    webhookCalls++;
    request.resume();
    response.writeHead(204).end();
  });
});

test.afterAll(async () => {
  server?.signal("SIGKILL");
  await images.close();
});

/** A new, empty PostgreSQL database beside the one DATABASE_URL names; dropped by the returned function. */
async function freshPostgresDatabase(url: string) {
  const name = `e2e_restart_${process.pid}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  return {
    url: databaseUrl.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function killHalfwayAndRestart(dataDir: string, env: Record<string, string>) {
  rmSync(dataDir, { recursive: true, force: true });
  webhookCalls = 0;
  const port = await freePort();
  const settings = { WORKER_CONCURRENCY: "2", ...env };
  server = startServerProcess({ dataDir, port, env: settings });
  await waitForHealth(server.origin);

  const urls = Array.from({ length: IMAGE_COUNT }, (_, i) => images.url(`/slow-${i}.jpg`));
  const accepted = await uploadUrls(server.origin, urls, "restart.csv", { webhookUrl: images.url("/hook") });
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

  server = startServerProcess({ dataDir, port, env: settings });
  await waitForHealth(server.origin);
  await expectCompletedOnce(server.origin, accepted.requestId, IMAGE_COUNT);
  await expect.poll(async () => (await statusOf(server!.origin, accepted.requestId)).webhook.status).toBe("delivered");
  expect(webhookCalls).toBe(1);
  server.signal("SIGKILL");
  await server.exited;
}

test("a request survives the server being killed halfway, on the embedded database", async () => {
  test.setTimeout(120_000);
  await killHalfwayAndRestart(path.resolve(".data/e2e-restart"), {});
});

test("a request survives the server being killed halfway, on PostgreSQL", async () => {
  test.skip(!postgresUrl, "DATABASE_URL names no PostgreSQL server");
  test.setTimeout(120_000);
  const database = await freshPostgresDatabase(postgresUrl!);
  try {
    await killHalfwayAndRestart(path.resolve(".data/e2e-restart-postgres"), { DATABASE_URL: database.url });
  } finally {
    await database.drop();
  }
});
