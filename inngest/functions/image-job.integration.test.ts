import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  // Config is read at import: the upload hands requests to the Inngest runner, whose client points
  // at the loopback interface (its `send` is intercepted below, so nothing is sent at all).
  vi.stubEnv("JOB_RUNNER", "inngest");
  vi.stubEnv("INNGEST_DEV", "1");
  vi.stubEnv("INNGEST_BASE_URL", "http://127.0.0.1:9");
});

import { findRequest } from "@/db/requests";
import { getDb } from "@/db/client";
import { installLoopbackTripwire } from "@/test/loopback";
import { config } from "@/lib/config";
import { uploadCsv } from "@/test/api";
import { getStorage } from "@/lib/storage/get-storage";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { inngest } from "../client";
import { imageRequested, requestImagesFinished } from "../events";
import { interceptInngest, runFailureHandler, runFunction } from "@/test/inngest";
import { imageJob } from "./image-job";
import { filesIdOf, imagesByUrl } from "@/test/db";
import { productCsv } from "@/test/product-csv";

let images: ImageServer;
let jpeg: Buffer;
let removeTripwire = () => {};
const intercepted = interceptInngest(inngest);

beforeAll(async () => {
  // Nothing may leave the machine. (postgres.js connects in a form the tripwire refuses.)
  if (config.database.kind === "pglite") removeTripwire = installLoopbackTripwire();
  // Connect and migrate before the first test, so that time is not charged to the test.
  await getDb();
  images = await startImageServer();
  jpeg = await photoJpeg();
  images.route("/photo.jpg", serveBytes(jpeg, "image/jpeg"));
  images.route("/flaky.jpg", (request, response, hit) => {
    if (hit === 1) response.writeHead(503).end("busy");
    else serveBytes(jpeg, "image/jpeg")(request, response, hit);
  });
  images.route("/down.jpg", (_request, response) => void response.writeHead(503).end("down"));
});

afterAll(async () => {
  await images.close();
  removeTripwire();
  expect(intercepted.fetch).not.toHaveBeenCalled();
});

/** Stores a request through the real upload; returns its id and its image ids by path. */
async function upload(paths: string[]) {
  const csv = productCsv(["Item", ...paths.map((path) => images.url(path))]);
  const { requestId } = await (await uploadCsv(csv)).json();
  const rows = await imagesByUrl({ requestId, urls: paths.map((path) => images.url(path)) });
  const imageId = (path: string) => rows.get(images.url(path))!.id;
  return { requestId, imageId };
}

const imageEvent = (requestId: string, imageId: number) => ({
  name: imageRequested.name,
  data: { requestId, imageId },
});

async function readStored(key: string): Promise<Buffer> {
  const object = await (await getStorage()).get(key);
  expect(object).not.toBeNull();
  return Buffer.from(await new Response(object!.body).arrayBuffer());
}

describe("compress-image", () => {
  it("stores the compressed image, counts it once, and hands the last image's request to the finisher", async () => {
    const { requestId, imageId } = await upload(["/photo.jpg", "/missing.jpg", "/flaky.jpg"]);
    // The runner announced the request, and only that.
    expect(intercepted.sent).toContainEqual({ name: "csv/request.accepted", data: { requestId } });

    const photo = await runFunction(imageJob, imageEvent(requestId, imageId("/photo.jpg")));
    expect(photo.error).toBeUndefined();
    expect(photo.result).toEqual({ kind: "completed", requestId, counted: true, requestFinished: false });
    expect(photo.sent).toEqual([]);

    const [stored] = (await imagesByUrl({ requestId, urls: [images.url("/photo.jpg")] })).values();
    expect(stored).toMatchObject({ status: "completed", attempts: 1, format: "jpeg", width: 320, height: 240 });
    expect(stored.outputKey).toBe(`images/${await filesIdOf(requestId)}/${stored.id}.jpg`);
    const bytes = await readStored(stored.outputKey!);
    expect(bytes.length).toBe(stored.bytesOut);
    expect(bytes.length).toBeLessThan(jpeg.length);
    expect(await sharp(bytes).metadata()).toMatchObject({ format: "jpeg", width: 320, height: 240 });
    expect(await findRequest(requestId)).toMatchObject({
      processedImages: 1,
      failedImages: 0,
      bytesIn: jpeg.length,
      bytesOut: bytes.length,
    });

    // A second delivery of the same event changes nothing and downloads nothing.
    const again = await runFunction(imageJob, imageEvent(requestId, imageId("/photo.jpg")));
    expect(again.result).toEqual({ kind: "skipped" });
    expect(again.sent).toEqual([]);
    expect(images.hits("/photo.jpg")).toBe(1);
    expect(await findRequest(requestId)).toMatchObject({ processedImages: 1, failedImages: 0 });

    // A 404 is permanent: recorded as failed at once, no retry, counted once.
    const missing = await runFunction(imageJob, imageEvent(requestId, imageId("/missing.jpg")));
    expect(missing.error).toBeUndefined();
    expect(missing.result).toEqual({ kind: "failed", requestId, counted: true, requestFinished: false });
    expect(images.hits("/missing.jpg")).toBe(1);
    const [failed] = (await imagesByUrl({ requestId, urls: [images.url("/missing.jpg")] })).values();
    expect(failed).toMatchObject({
      status: "failed",
      attempts: 1,
      error: expect.stringMatching(/not found \(HTTP 404\)/),
    });
    expect(await findRequest(requestId)).toMatchObject({ processedImages: 1, failedImages: 1 });

    // A 503 is transient: the step throws RetryAfterError, so Inngest runs it again later.
    const busy = await runFunction(imageJob, imageEvent(requestId, imageId("/flaky.jpg")));
    expect(busy.error).toMatchObject({
      name: "RetryAfterError",
      message: expect.stringMatching(/temporarily unavailable \(HTTP 503\)/),
    });
    expect(busy.sent).toEqual([]);
    const [waiting] = (await imagesByUrl({ requestId, urls: [images.url("/flaky.jpg")] })).values();
    expect(waiting).toMatchObject({ status: "pending", attempts: 1, error: expect.stringMatching(/retrying/) });
    expect(await findRequest(requestId)).toMatchObject({ processedImages: 1, failedImages: 1, status: "processing" });

    // The retry succeeds; this image is the request's last, so the finish event is sent.
    const retried = await runFunction(imageJob, imageEvent(requestId, imageId("/flaky.jpg")));
    expect(retried.result).toEqual({ kind: "completed", requestId, counted: true, requestFinished: true });
    expect(retried.sent).toEqual([{ name: requestImagesFinished.name, data: { requestId } }]);
    expect([...retried.sends.keys()]).toEqual(["request images finished"]);
    expect(await findRequest(requestId)).toMatchObject({
      processedImages: 2,
      failedImages: 1,
      totalImages: 3,
      status: "processing",
    });
  });

  it("gives up after the last attempt and counts the image as failed once", async () => {
    const { requestId, imageId } = await upload(["/down.jpg"]);
    const event = imageEvent(requestId, imageId("/down.jpg"));

    const first = await runFunction(imageJob, event);
    expect(first.error).toMatchObject({ name: "RetryAfterError" });

    // The domain stops at IMAGE_MAX_ATTEMPTS (3 in tests) and records the failure itself.
    await runFunction(imageJob, event);
    const last = await runFunction(imageJob, event);
    expect(last.error).toBeUndefined();
    expect(last.result).toEqual({ kind: "failed", requestId, counted: true, requestFinished: true });
    expect(last.sent).toEqual([{ name: requestImagesFinished.name, data: { requestId } }]);
    expect(images.hits("/down.jpg")).toBe(3);
    const [image] = (await imagesByUrl({ requestId, urls: [images.url("/down.jpg")] })).values();
    expect(image).toMatchObject({
      status: "failed",
      attempts: 3,
      error: expect.stringMatching(/gave up after 3 attempts/),
    });
  });

  it("records the image as failed when Inngest runs out of retries (onFailure)", async () => {
    const { requestId, imageId } = await upload(["/down.jpg?again"]);
    const event = imageEvent(requestId, imageId("/down.jpg?again"));
    await runFunction(imageJob, event);

    const failure = await runFailureHandler(
      imageJob,
      event,
      new Error("the server is temporarily unavailable (HTTP 503)"),
    );
    expect(failure.error).toBeUndefined();
    expect(failure.result).toEqual({ kind: "failed", requestId, counted: true, requestFinished: true });
    expect(failure.sent).toEqual([{ name: requestImagesFinished.name, data: { requestId } }]);
    const [image] = (await imagesByUrl({ requestId, urls: [images.url("/down.jpg?again")] })).values();
    expect(image).toMatchObject({ status: "failed", error: "The server is temporarily unavailable (HTTP 503)" });
    expect(await findRequest(requestId)).toMatchObject({ processedImages: 0, failedImages: 1 });

    // A second failure run (or a late one) counts nothing and finishes nothing.
    const twice = await runFailureHandler(imageJob, event, new Error("again"));
    expect(twice.result).toEqual({ kind: "failed", requestId, counted: false, requestFinished: false });
    expect(twice.sent).toEqual([]);
    expect(await findRequest(requestId)).toMatchObject({ processedImages: 0, failedImages: 1 });
  });
});
