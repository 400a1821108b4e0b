import { existsSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { idempotencyKeys, images, products, requests } from "@/db/schema";
import { config } from "@/lib/config";
import type { RequestStatus, RequestSummary } from "@/lib/contract";
import {
  BROWSER,
  type Caller,
  cancelRequest,
  deleteRequest,
  download,
  getFile,
  getStatus,
  retryRequest,
  settle,
  uploadCsv,
} from "@/test/api";
import { type ImageServer, readBody, serveBytes, startImageServer } from "@/test/image-server";
import { filesFoldersOf } from "@/test/db";
import { readCsv } from "@/test/read-csv";
import { photoJpeg } from "@/test/sample-images";
import { PRODUCT_CSV_HEADER, productCsv } from "@/test/product-csv";

/**
 * Retry, cancel and delete through the real route handlers, the in-process runner, the database and
 * the local storage folder (S3 deletion: s3-pipeline.integration.test.ts).
 */

let server: ImageServer;
let jpeg: Buffer;
const hookCalls: { id: string; body: Record<string, unknown> }[] = [];
const OTHER_BROWSER: Caller = { cookie: "cic_owner=test-browser-0000000002" };

beforeAll(async () => {
  server = await startImageServer();
  jpeg = await photoJpeg(160, 120);
  server.route("/ok.jpg", serveBytes(jpeg, "image/jpeg"));
  server.route("/hook", async (request, response) => {
    hookCalls.push({ id: String(request.headers["webhook-id"]), body: JSON.parse(await readBody(request)) });
    response.writeHead(204).end();
  });
});

afterAll(() => server.close());

async function upload(urls: string[][], fields: Record<string, string> = {}, as: Caller = BROWSER) {
  const rows = urls.map((row, index) => `${index + 1},Item ${index + 1},"${row.join(", ")}"`);
  const response = await uploadCsv([PRODUCT_CSV_HEADER, ...rows].join("\n") + "\n", { fields, as });
  expect(response.status).toBe(202);
  return (await response.json()).requestId as string;
}

async function statusOf(requestId: string): Promise<RequestStatus> {
  return (await (await getStatus(requestId, "?pageSize=500")).json()) as RequestStatus;
}

/** Serves `count` images at /<prefix>-<n>.jpg, each after `delayMs`. */
function slowImages(prefix: string, count: number, delayMs: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const route = `/${prefix}-${index}.jpg`;
    server.route(route, async (request, response, hit) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      serveBytes(jpeg, "image/jpeg")(request, response, hit);
    });
    return route;
  });
}

/**
 * Serves `count` images at /<prefix>-<n>.jpg that are held until `release()`: with every download the
 * host allows under way and held, no worker is free, so which images started is known exactly.
 */
function heldImages(prefix: string, count: number) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const routes = Array.from({ length: count }, (_, index) => {
    const route = `/${prefix}-${index}.jpg`;
    server.route(route, async (request, response, hit) => {
      await gate;
      serveBytes(jpeg, "image/jpeg")(request, response, hit);
    });
    return route;
  });
  const started = () => routes.filter((route) => server.hits(route) > 0).length;
  /** Waits until the host's limit of downloads has arrived and is held. */
  const allHeld = async () => {
    await waitFor(async () => started() >= config.jobs.perHostConcurrency, "downloads to arrive");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started()).toBe(config.jobs.perHostConcurrency);
  };
  return { routes, release, started, allHeld };
}

async function waitFor(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function rowsOf(requestId: string) {
  const db = await getDb();
  const [request, image, product] = await Promise.all([
    db.select().from(requests).where(eq(requests.id, requestId)),
    db.select().from(images).where(eq(images.requestId, requestId)),
    db.select().from(products).where(eq(products.requestId, requestId)),
  ]);
  return request.length + image.length + product.length;
}

describe("retrying failed images", () => {
  it("retries only the failed images, keeps the counters exact, rebuilds the CSV and calls the webhook again", async () => {
    let supplierUp = false;
    server.route("/later.jpg", (request, response, hit) => {
      if (supplierUp) serveBytes(jpeg, "image/jpeg")(request, response, hit);
      else response.writeHead(404).end("gone for now");
    });
    const urls = [server.url("/ok.jpg"), server.url("/later.jpg")];
    const requestId = await upload([urls], { webhookUrl: server.url("/hook") });

    const first = await settle(requestId);
    expect(first.status).toBe("completed");
    expect(first.progress).toMatchObject({ processedImages: 1, failedImages: 1, cancelledImages: 0 });
    const okHits = server.hits("/ok.jpg");
    const firstCalls = hookCalls.filter((call) => call.body.requestId === requestId);
    expect(firstCalls).toHaveLength(1);

    supplierUp = true;
    const retried = await retryRequest(requestId);
    expect(retried.status).toBe(202);
    const summary = (await retried.json()) as RequestSummary;
    expect(summary.status).toBe("processing");
    // The failed image waits again: it is neither failed nor processed until it finishes.
    expect(summary.progress).toMatchObject({ totalImages: 2, processedImages: 1, failedImages: 0, percent: 50 });
    expect(summary.completedAt).toBeNull();

    const done = await settle(requestId);
    expect(done.status).toBe("completed");
    expect(done.error).toBeNull();
    expect(done.progress).toMatchObject({
      totalImages: 2,
      processedImages: 2,
      failedImages: 0,
      cancelledImages: 0,
      percent: 100,
    });
    // The image that had succeeded was not downloaded again.
    expect(server.hits("/ok.jpg")).toBe(okHits);
    const [ok, later] = done.products[0].images;
    expect(later).toMatchObject({ status: "completed", error: null });

    const csv = readCsv(await (await download(requestId)).text());
    expect(csv[1][3].split(", ")).toEqual([ok.outputUrl, later.outputUrl]);

    const calls = hookCalls.filter((call) => call.body.requestId === requestId);
    expect(calls).toHaveLength(2);
    expect(calls[1].id).not.toBe(calls[0].id);
    expect(calls[1].body).toMatchObject({ status: "completed", progress: { processedImages: 2, failedImages: 0 } });
    expect(done.webhook).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("answers 409 while the request is processing, and when no image failed", async () => {
    const requestId = await upload([slowImages("retry-busy", 2, 400).map((route) => server.url(route))]);
    const busy = await retryRequest(requestId);
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({
      code: "conflict:processing",
      error: expect.stringMatching(/still processing/),
      status: "processing",
      requestId,
    });

    expect((await settle(requestId)).status).toBe("completed");
    const nothing = await retryRequest(requestId);
    expect(nothing.status).toBe(409);
    expect(await nothing.json()).toMatchObject({
      code: "conflict:nothing_to_retry",
      error: expect.stringMatching(/nothing to retry/),
    });
    expect((await statusOf(requestId)).status).toBe("completed");
  });
});

describe("cancelling a request", () => {
  it("starts no image after the cancel, ends cancelled with an output CSV of what was done", async () => {
    const held = heldImages("cancel", 40);
    const { routes } = held;
    const requestId = await upload(
      routes.map((route) => [server.url(route)]),
      { webhookUrl: server.url("/hook") },
    );
    await held.allHeld();

    const cancelled = await cancelRequest(requestId);
    expect(cancelled.status).toBe(202);
    const summary = (await cancelled.json()) as RequestSummary;
    expect(summary.status).toBe("cancelled");
    expect(summary.completedAt).toBeNull();
    // Still finishing its images under way: the CSV is not ready yet.
    expect((await download(requestId)).status).toBe(409);
    held.release();

    const done = await settle(requestId);
    expect(done.status).toBe("cancelled");
    expect(done.completedAt).not.toBeNull();
    const under = config.jobs.perHostConcurrency;
    expect(done.error).toBe(`Cancelled: ${40 - under} of 40 images were not processed.`);
    expect(done.progress).toMatchObject({
      totalImages: 40,
      processedImages: under,
      failedImages: 0,
      cancelledImages: 40 - under,
      percent: 100,
    });
    const { processedImages, cancelledImages } = done.progress;

    // The workers freed by the release took no other image: nothing started after the cancel.
    expect(held.started()).toBe(under);
    for (const [index, route] of routes.entries()) {
      const image = done.products[index].images[0];
      if (server.hits(route) > 0) expect(image.status).toBe("completed");
      else expect(image).toMatchObject({ status: "cancelled", outputUrl: null });
    }

    // The output CSV keeps every row; cancelled images leave their place empty.
    const csv = readCsv(await (await download(requestId)).text());
    expect(csv).toHaveLength(41);
    const filled = csv.slice(1).filter((row) => row[3] !== "");
    expect(filled).toHaveLength(processedImages);

    const calls = hookCalls.filter((call) => call.body.requestId === requestId);
    expect(calls).toHaveLength(1);
    expect(calls[0].body).toMatchObject({ status: "cancelled", progress: { cancelledImages } });

    const again = await cancelRequest(requestId);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      code: "conflict:finished",
      error: expect.stringMatching(/already cancelled/),
    });
  });

  it("closes a cancelled request whose image under way fails and waits for a retry", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    server.route("/busy-then-cancelled.jpg", async (_request, response) => {
      await gate;
      response.writeHead(503, { "retry-after": "1" }).end("busy");
    });
    const requestId = await upload([[server.url("/busy-then-cancelled.jpg")]]);
    await waitFor(async () => server.hits("/busy-then-cancelled.jpg") > 0, "the download to start");
    expect((await cancelRequest(requestId)).status).toBe(202);
    // The download fails after the cancel: the image goes back to wait for its retry, which never comes.
    release();
    const done = await settle(requestId);
    expect(done).toMatchObject({ status: "cancelled", completedAt: expect.any(String) });
    expect(done.progress).toMatchObject({ processedImages: 0, failedImages: 0, cancelledImages: 1, percent: 100 });
    expect(done.products[0].images[0].status).toBe("cancelled");
    expect(server.hits("/busy-then-cancelled.jpg")).toBe(1);
  });

  it("answers 409 for a finished request and changes nothing", async () => {
    const requestId = await upload([[server.url("/ok.jpg")]]);
    await settle(requestId);
    const response = await cancelRequest(requestId);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: "conflict:finished", status: "completed" });
    expect((await statusOf(requestId)).status).toBe("completed");
  });

  it("lets the cancelled images be processed later with retry", async () => {
    const held = heldImages("resume", 12);
    const requestId = await upload(held.routes.map((route) => [server.url(route)]));
    await held.allHeld();
    expect((await cancelRequest(requestId)).status).toBe(202);
    held.release();
    const cancelled = await settle(requestId);
    expect(cancelled.progress.cancelledImages).toBe(12 - config.jobs.perHostConcurrency);

    expect((await retryRequest(requestId)).status).toBe(202);
    const done = await settle(requestId);
    expect(done.status).toBe("completed");
    expect(done.progress).toMatchObject({ processedImages: 12, failedImages: 0, cancelledImages: 0 });
  });
});

describe("deleting a request", () => {
  const storageDir = config.storage.kind === "local" ? config.storage.dir : "";
  const storageFolder = (folder: string) => path.join(storageDir, ...folder.split("/"));

  it("removes its rows and every file, after which every path answers 404", async () => {
    const idempotencyKey = `delete-${Date.now()}-${Math.random()}`;
    const csv = productCsv(["Item", server.url("/ok.jpg")]);
    const withKey = { ...BROWSER, "idempotency-key": idempotencyKey };
    const requestId = (await (await uploadCsv(csv, { as: withKey })).json()).requestId as string;
    const otherId = await upload([[server.url("/ok.jpg")]]);
    const done = await settle(requestId);
    await settle(otherId);
    const image = done.products[0].images[0];
    const folders = await filesFoldersOf(requestId);
    for (const folder of folders) expect(existsSync(storageFolder(folder))).toBe(true);
    expect((await getFile(image.outputUrl!)).status).toBe(200);

    const response = await deleteRequest(requestId);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");

    expect((await getStatus(requestId)).status).toBe(404);
    expect((await getStatus(requestId, "?products=0")).status).toBe(404);
    expect((await download(requestId)).status).toBe(404);
    expect((await retryRequest(requestId)).status).toBe(404);
    expect((await cancelRequest(requestId)).status).toBe(404);
    expect((await deleteRequest(requestId)).status).toBe(404);
    expect((await getFile(image.outputUrl!)).status).toBe(404);
    expect((await getFile(image.thumbnailUrl!)).status).toBe(404);
    for (const folder of folders) expect(existsSync(storageFolder(folder))).toBe(false);
    expect(await rowsOf(requestId)).toBe(0);
    const db = await getDb();
    expect(await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, idempotencyKey))).toEqual([]);

    // Another request is untouched, and the same upload with the same key is a new request, not the deleted one.
    expect((await statusOf(otherId)).status).toBe("completed");
    const again = await uploadCsv(csv, { as: withKey });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    const againId = (await again.json()).requestId as string;
    expect(againId).not.toBe(requestId);
    await settle(againId);
  });

  it("cancels a processing request first, and removes files its images under way store afterwards", async () => {
    const held = heldImages("delete-busy", 20);
    const requestId = await upload(held.routes.map((route) => [server.url(route)]));
    await held.allHeld();
    const folders = await filesFoldersOf(requestId);

    expect((await deleteRequest(requestId)).status).toBe(204);
    expect((await getStatus(requestId)).status).toBe(404);
    // The images under way finish after the delete; what they store is removed as they are recorded.
    held.release();
    await settle(requestId);
    expect(held.started()).toBe(config.jobs.perHostConcurrency);
    for (const folder of folders) expect(existsSync(storageFolder(folder))).toBe(false);
    expect(await rowsOf(requestId)).toBe(0);
  });
});

describe("who may change a request", () => {
  it("answers 404 to another browser, which may still see it by its id", async () => {
    const requestId = await upload([[server.url("/ok.jpg")]]);
    await settle(requestId);
    for (const action of [retryRequest, cancelRequest, deleteRequest]) {
      const response = await action(requestId, OTHER_BROWSER);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({
        code: "not_found:request",
        error: `No request with id "${requestId}" that this client may change: only the client that uploaded it may retry, cancel or delete it (send the cic_owner cookie its upload's answer set).`,
      });
    }
    expect((await getStatus(requestId, "", undefined, OTHER_BROWSER)).status).toBe(200);
    expect(await rowsOf(requestId)).toBeGreaterThan(0);
  });

  it("lets an API client act on what it uploaded with the owner cookie it was given", async () => {
    const response = await uploadCsv(productCsv(["Item", server.url("/ok.jpg")]), { as: {} });
    const requestId = (await response.json()).requestId as string;
    const cookie = response.headers.get("set-cookie")!.split(";")[0];
    expect(cookie).toMatch(/^cic_owner=/);
    await settle(requestId, {});
    expect((await deleteRequest(requestId, {})).status).toBe(404);
    expect((await deleteRequest(requestId, { cookie })).status).toBe(204);
    expect(await rowsOf(requestId)).toBe(0);
  });
});
