import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  vi.stubEnv("JOB_RUNNER", "inngest");
  vi.stubEnv("INNGEST_DEV", "1");
  vi.stubEnv("INNGEST_BASE_URL", "http://127.0.0.1:9");
});

import type { IncomingMessage } from "node:http";
import { findRequest } from "@/db/requests";
import { listUnfinishedImageIds } from "@/db/images";
import { getDb } from "@/db/client";
import { installLoopbackTripwire } from "@/test/loopback";
import { config } from "@/lib/config";
import { InlineRunner } from "@/lib/jobs/inline-runner";
import { failImage } from "@/lib/jobs/process-image";
import { uploadCsv } from "@/test/api";
import { OUTPUT_CSV_NOT_STORED } from "@/lib/jobs/finish-request";
import { retryPolicy } from "@/lib/jobs/retry-policy";
import { buildOutputCsv } from "@/lib/requests/output-csv";
import { getStorage } from "@/lib/storage/get-storage";
import { type ImageServer, readBody, serveBytes, startImageServer } from "@/test/image-server";
import { cutoutPng, photoJpeg } from "@/test/sample-images";
import { inngest } from "../client";
import { requestAccepted, requestImagesFinished } from "../events";
import { interceptInngest, runFailureHandler, runFunction } from "@/test/inngest";
import { imageJob } from "./image-job";
import { fanOutJob } from "./fan-out-job";
import { finishJob } from "./finish-job";
import { imagesByUrl } from "@/test/db";
import { PRODUCT_CSV_HEADER, productCsv } from "@/test/product-csv";

let server: ImageServer;
let removeTripwire = () => {};
const intercepted = interceptInngest(inngest);
const webhookCalls: { path: string; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  // Nothing may leave the machine. (postgres.js connects in a form the tripwire refuses.)
  if (config.database.kind === "pglite") removeTripwire = installLoopbackTripwire();
  // Connect and migrate before the first test, so that time is not charged to the test.
  await getDb();
  server = await startImageServer();
  const [jpeg, png, small] = await Promise.all([photoJpeg(), cutoutPng(), photoJpeg(120, 90)]);
  server.route("/a.jpg", serveBytes(jpeg, "image/jpeg"));
  server.route("/b.png", serveBytes(png, "image/png"));
  server.route("/c.jpg", serveBytes(small, "application/octet-stream"));
  server.route("/busy.jpg", (request, response, hit) => {
    if (hit % 2 === 1) response.writeHead(503).end("busy");
    else serveBytes(small, "image/jpeg")(request, response, hit);
  });
  const hook =
    (failFirst: boolean) =>
    async (request: IncomingMessage, response: import("node:http").ServerResponse, hit: number) => {
      const body = JSON.parse(await readBody(request));
      webhookCalls.push({ path: new URL(request.url!, server.origin).pathname, body });
      response.writeHead(failFirst && hit === 1 ? 500 : 204).end();
    };
  server.route("/hook", hook(false));
  server.route("/hook-flaky", hook(true));
});

afterAll(async () => {
  await server.close();
  removeTripwire();
  expect(intercepted.fetch).not.toHaveBeenCalled();
});

const csv = () =>
  [
    PRODUCT_CSV_HEADER,
    `1,SKU1,"${server.url("/a.jpg")},${server.url("/missing.jpg")},${server.url("/b.png")}"`,
    `2,=SKU2,${server.url("/c.jpg")}`,
    `3,"Shoes, red","${server.url("/busy.jpg")}, ${server.url("/a.jpg")}"`,
  ].join("\n");
const allPaths = ["/a.jpg", "/missing.jpg", "/b.png", "/c.jpg", "/busy.jpg"];

async function upload(text: string, webhookUrl: string | null) {
  const response = await uploadCsv(text, { fields: webhookUrl ? { webhookUrl } : {} });
  const { requestId } = await response.json();
  return requestId;
}

async function readStored(key: string): Promise<Buffer> {
  const object = await (await getStorage()).get(key);
  if (!object) throw new Error(`nothing stored at ${key}`);
  return Buffer.from(await new Response(object.body).arrayBuffer());
}

/** Drives a request through the three functions the way Inngest would, retrying what asks for it. */
async function processWithInngest(requestId: string) {
  const fanOut = await runFunction(fanOutJob, { name: requestAccepted.name, data: { requestId } });
  const imageRuns = await Promise.all(
    fanOut.sent.map(async (event) => {
      let run = await runFunction(imageJob, event);
      while (run.error?.name === "RetryAfterError") run = await runFunction(imageJob, event);
      return run;
    }),
  );
  const finishEvents = imageRuns.flatMap((run) => run.sent);
  // Atomic counters: of all the image runs, exactly one hands the request to the finisher.
  expect(finishEvents).toEqual([{ name: requestImagesFinished.name, data: { requestId } }]);
  return runFunction(finishJob, finishEvents[0]);
}

/** The output CSV with request ids and image ids replaced by stable placeholders. */
async function normalizedOutputCsv(requestId: string): Promise<string> {
  const request = await findRequest(requestId);
  const text = (await readStored(request!.outputCsvKey!)).toString("utf8");
  const rows = await imagesByUrl({ requestId, urls: allPaths.map((path) => server.url(path)) });
  const ids = [...rows.values()].map((row) => row.id).sort((a, b) => a - b);
  return text.replace(
    new RegExp(`/images/${request!.filesId}/(\\d+)\\.`, "g"),
    (_match, id: string) => `/images/REQUEST/${ids.indexOf(Number(id))}.`,
  );
}

describe("finish-request", () => {
  it("writes the same output CSV as the in-process runner and calls the webhook once", async () => {
    const viaInngest = await upload(csv(), server.url("/hook"));
    const viaInline = await upload(csv(), server.url("/hook"));

    const finish = await processWithInngest(viaInngest);
    expect(finish.error).toBeUndefined();
    expect(finish.result).toEqual({ requestId: viaInngest, closed: true, webhook: "delivered" });

    const runner = new InlineRunner({ concurrency: 2, perHostConcurrency: 2 });
    await runner.requestAccepted((await findRequest(viaInline))!);
    await runner.idle();

    const [a, b] = await Promise.all([findRequest(viaInngest), findRequest(viaInline)]);
    for (const request of [a!, b!]) {
      expect(request).toMatchObject({
        status: "completed",
        totalImages: 5,
        processedImages: 4,
        failedImages: 1,
        webhookStatus: "delivered",
        webhookAttempts: 1,
      });
    }
    expect(a!.bytesOut).toBe(b!.bytesOut);

    // The stored CSV is the domain's output CSV, and matches the in-process runner's row for row.
    const stored = (await readStored(a!.outputCsvKey!)).toString("utf8");
    expect(stored).toBe(await buildOutputCsv(viaInngest));
    const [inngestCsv, inlineCsv] = await Promise.all([
      normalizedOutputCsv(viaInngest),
      normalizedOutputCsv(viaInline),
    ]);
    expect(inngestCsv).toBe(inlineCsv);
    const lines = inngestCsv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain("'=SKU2");

    // The compressed copies are byte for byte the same.
    const [imagesA, imagesB] = await Promise.all(
      [viaInngest, viaInline].map((requestId) =>
        imagesByUrl({ requestId, urls: allPaths.map((path) => server.url(path)) }),
      ),
    );
    for (const path of allPaths) {
      const [imageA, imageB] = [imagesA.get(server.url(path))!, imagesB.get(server.url(path))!];
      expect(imageA.status).toBe(imageB.status);
      if (imageA.outputKey)
        expect((await readStored(imageA.outputKey)).equals(await readStored(imageB.outputKey!))).toBe(true);
    }

    const calls = webhookCalls.filter((call) => call.body.requestId === viaInngest);
    expect(calls).toHaveLength(1);
    expect(calls[0].body).toMatchObject({
      event: "request.finished",
      status: "completed",
      progress: { totalImages: 5, processedImages: 4, failedImages: 1 },
    });

    // A duplicate finish event changes nothing and calls nobody.
    const again = await runFunction(finishJob, { name: requestImagesFinished.name, data: { requestId: viaInngest } });
    expect(again.result).toEqual({ requestId: viaInngest, closed: false, webhook: "skipped" });
    expect(webhookCalls.filter((call) => call.body.requestId === viaInngest)).toHaveLength(1);
  });

  it("retries the webhook with RetryAfterError until it is delivered", async () => {
    const requestId = await upload(productCsv(["Item", server.url("/gone.jpg")]), server.url("/hook-flaky"));
    const [imageId] = await listUnfinishedImageIds({ requestId });
    const image = await runFunction(imageJob, { name: "csv/image.requested", data: { requestId, imageId } });
    expect(image.sent).toEqual([{ name: requestImagesFinished.name, data: { requestId } }]);

    const first = await runFunction(finishJob, image.sent[0]);
    expect(first.error).toMatchObject({ name: "RetryAfterError" });
    expect(await findRequest(requestId)).toMatchObject({
      status: "failed",
      webhookStatus: "pending",
      webhookAttempts: 1,
      webhookLastError: expect.stringMatching(/HTTP 500/),
    });

    const second = await runFunction(finishJob, image.sent[0]);
    expect(second.result).toEqual({ requestId, closed: false, webhook: "delivered" });
    expect(await findRequest(requestId)).toMatchObject({
      status: "failed",
      webhookStatus: "delivered",
      webhookAttempts: 2,
    });
    expect(webhookCalls.filter((call) => call.body.requestId === requestId).map((call) => call.body.status)).toEqual([
      "failed",
      "failed",
    ]);
  });

  it("closes the request without an output CSV, saying why, when finishing runs out of retries (onFailure)", async () => {
    const requestId = await upload(productCsv(["Item", server.url("/gone-too.jpg")]), server.url("/hook"));
    const [imageId] = await listUnfinishedImageIds({ requestId });
    expect(await failImage(imageId, "the image was not found (HTTP 404)")).toMatchObject({
      counted: true,
      requestFinished: true,
    });

    const event = { name: requestImagesFinished.name, data: { requestId } };
    const failure = await runFailureHandler(finishJob, event, new Error("the storage folder is not writable"));
    expect(failure.error).toBeUndefined();
    expect(failure.result).toEqual({ closed: true });
    expect(await findRequest(requestId)).toMatchObject({
      status: "failed",
      outputCsvKey: null,
      error: OUTPUT_CSV_NOT_STORED,
      webhookStatus: "pending",
    });

    // The webhook is delivered by a new finishing run, with its own retries.
    expect(failure.sent).toEqual([event]);
    const again = await runFunction(finishJob, failure.sent[0]);
    expect(again.result).toEqual({ requestId, closed: false, webhook: "delivered" });
    expect(webhookCalls.filter((call) => call.body.requestId === requestId)).toHaveLength(1);
  });

  it("tries to store the output CSV as often as the in-process runner does, then hands over to onFailure", async () => {
    const requestId = await upload(productCsv(["Item", server.url("/gone-3.jpg")]), null);
    const [imageId] = await listUnfinishedImageIds({ requestId });
    await failImage(imageId, "the image was not found (HTTP 404)");
    const storage = await getStorage();
    const put = vi.spyOn(storage, "put").mockRejectedValue(new Error("the storage folder is not writable"));
    try {
      const event = { name: requestImagesFinished.name, data: { requestId } };
      const errors = [];
      for (let attempt = 0; attempt < retryPolicy.finishAttempts; attempt++) {
        errors.push((await runFunction(finishJob, event, { attempt })).error?.name);
      }
      // Every try but the last is retried by Inngest; the last one is not, so onFailure runs.
      expect(errors).toEqual([...Array(retryPolicy.finishAttempts - 1).fill("Error"), "NonRetriableError"]);
      expect(put).toHaveBeenCalledTimes(retryPolicy.finishAttempts);
      expect(await findRequest(requestId)).toMatchObject({ status: "processing", completedAt: null });
    } finally {
      put.mockRestore();
    }
  });
});
