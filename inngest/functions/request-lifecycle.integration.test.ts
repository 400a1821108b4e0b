import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  vi.stubEnv("JOB_RUNNER", "inngest");
  vi.stubEnv("INNGEST_DEV", "1");
  vi.stubEnv("INNGEST_BASE_URL", "http://127.0.0.1:9");
});

import { getDb } from "@/db/client";
import { claimImages, listUnfinishedImageIds } from "@/db/images";
import { findRequest } from "@/db/requests";
import { images, requests } from "@/db/schema";
import { config } from "@/lib/config";
import { processImage, recordImages } from "@/lib/jobs/process-image";
import { cancelRequest, retryRequest, uploadCsv } from "@/test/api";
import { type ImageServer, readBody, serveBytes, startImageServer } from "@/test/image-server";
import { interceptInngest, runFunction, type SentEvent } from "@/test/inngest";
import { installLoopbackTripwire } from "@/test/loopback";
import { readCsv } from "@/test/read-csv";
import { photoJpeg } from "@/test/sample-images";
import { buildOutputCsv } from "@/lib/requests/output-csv";
import { inngest } from "../client";
import { imageRequested, requestAccepted, requestImagesFinished } from "../events";
import { fanOutJob } from "./fan-out-job";
import { finishJob } from "./finish-job";
import { imageJob } from "./image-job";
import { sweepJob } from "./sweep-job";
import { PRODUCT_CSV_HEADER } from "@/test/product-csv";

/**
 * Retry, cancel and the hourly sweep on the Inngest path: the routes call the Inngest runner (its
 * `send` recorded, no Inngest server), and the functions run with `@inngest/test`, their step
 * bodies for real against the database, storage and a local image host.
 */

let server: ImageServer;
let removeTripwire = () => {};
const intercepted = interceptInngest(inngest);
const hookCalls: { id: string; body: Record<string, unknown> }[] = [];
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

beforeAll(async () => {
  if (config.database.kind === "pglite") removeTripwire = installLoopbackTripwire();
  await getDb();
  server = await startImageServer();
  const photo = await photoJpeg(160, 120);
  for (const name of ["a", "b", "c", "d"]) server.route(`/${name}.jpg`, serveBytes(photo, "image/jpeg"));
  server.route("/hook", async (request, response) => {
    hookCalls.push({ id: String(request.headers["webhook-id"]), body: JSON.parse(await readBody(request)) });
    response.writeHead(204).end();
  });
});

afterAll(async () => {
  await server.close();
  removeTripwire();
  expect(intercepted.fetch).not.toHaveBeenCalled();
});

async function upload(paths: string[], webhookUrl?: string): Promise<string> {
  const cell = paths.map((path) => server.url(path)).join(", ");
  const response = await uploadCsv(`${PRODUCT_CSV_HEADER}\n1,Item,"${cell}"\n`, {
    fields: webhookUrl ? { webhookUrl } : {},
  });
  expect(response.status).toBe(202);
  return (await response.json()).requestId;
}

/** What the route sent through the Inngest runner since `from`. */
const sentSince = (from: number): SentEvent[] => intercepted.sent.slice(from);

async function runImages(requestId: string, imageIds: number[]) {
  return Promise.all(
    imageIds.map((imageId) => runFunction(imageJob, { name: imageRequested.name, data: { requestId, imageId } })),
  );
}

const sweepEvent = { name: "inngest/scheduled.timer", data: { cron: "0 * * * *" } };

describe("cancel on Inngest", () => {
  it("closes a request with nothing under way at once: the runner sends its finish event", async () => {
    const requestId = await upload(["/a.jpg", "/b.jpg"], server.url("/hook"));
    const before = intercepted.sent.length;
    expect((await cancelRequest(requestId)).status).toBe(202);
    expect(sentSince(before)).toEqual([{ name: requestImagesFinished.name, data: { requestId } }]);

    // The image runs already queued find the request cancelled at their claim and download nothing.
    const runs = await runImages(requestId, await imageIdsOf(requestId));
    for (const run of runs) expect(run.result).toEqual({ kind: "skipped" });
    const finish = await runFunction(finishJob, { name: requestImagesFinished.name, data: { requestId } });
    expect(finish.result).toEqual({ requestId, closed: true, webhook: "delivered" });
    expect(await findRequest(requestId)).toMatchObject({ status: "cancelled", cancelledImages: 2, processedImages: 0 });
    expect(hookCalls.filter((call) => call.body.requestId === requestId)).toHaveLength(1);
  });

  it("lets an image under way finish; its run hands the request to the finisher", async () => {
    const requestId = await upload(["/c.jpg", "/d.jpg"]);
    const [first, second] = await imageIdsOf(requestId);
    // The first image's run has claimed it and is downloading when the cancel arrives.
    const [claimed] = await claimImages([first]);
    const before = intercepted.sent.length;
    expect((await cancelRequest(requestId)).status).toBe(202);
    expect(sentSince(before)).toEqual([]);

    const [skipped] = await runImages(requestId, [second]);
    expect(skipped.result).toEqual({ kind: "skipped" });
    expect(skipped.sent).toEqual([]);
    expect(server.hits("/d.jpg")).toBe(0);

    // The rest of that first run: its result is recorded and it was the last image counted.
    const work = await processImage(claimed);
    expect(work.kind).toBe("finished");
    const [counted] = await recordImages([(work as Extract<typeof work, { kind: "finished" }>).outcome]);
    expect(counted).toMatchObject({ counted: true, requestFinished: true });

    const finish = await runFunction(finishJob, { name: requestImagesFinished.name, data: { requestId } });
    expect(finish.result).toMatchObject({ closed: true });
    const request = await findRequest(requestId);
    expect(request).toMatchObject({ status: "cancelled", processedImages: 1, cancelledImages: 1 });
    const rows = readCsv(await buildOutputCsv(requestId));
    expect(rows[1][3].split(", ")).toEqual([expect.stringContaining(`/images/${request!.filesId}/${first}.jpg`), ""]);
  });
});

describe("retry on Inngest", () => {
  it("sends the request to the fan-out again, which names only the failed images", async () => {
    let up = false;
    const photo = await photoJpeg(160, 120);
    server.route("/flaky.jpg", (request, response, hit) => {
      if (up) serveBytes(photo, "image/jpeg")(request, response, hit);
      else response.writeHead(404).end();
    });
    const requestId = await upload(["/a.jpg", "/flaky.jpg"], server.url("/hook"));
    const ids = await imageIdsOf(requestId);
    const runs = await runImages(requestId, ids);
    const finishEvent = runs.flatMap((run) => run.sent);
    expect(finishEvent).toEqual([{ name: requestImagesFinished.name, data: { requestId } }]);
    await runFunction(finishJob, finishEvent[0]);
    expect(await findRequest(requestId)).toMatchObject({ status: "completed", processedImages: 1, failedImages: 1 });

    up = true;
    const before = intercepted.sent.length;
    expect((await retryRequest(requestId)).status).toBe(202);
    expect(sentSince(before)).toEqual([{ name: requestAccepted.name, data: { requestId } }]);

    const fanOut = await runFunction(fanOutJob, { name: requestAccepted.name, data: { requestId } });
    // The browser's owner keys the image's per-owner concurrency.
    const owner = "anon:test-browser-0000000001";
    expect(fanOut.sent).toEqual([{ name: imageRequested.name, data: { requestId, imageId: ids[1], owner } }]);
    const retried = await runFunction(imageJob, fanOut.sent[0]);
    expect(retried.sent).toEqual([{ name: requestImagesFinished.name, data: { requestId } }]);
    const finish = await runFunction(finishJob, retried.sent[0]);
    expect(finish.result).toEqual({ requestId, closed: true, webhook: "delivered" });

    expect(await findRequest(requestId)).toMatchObject({ status: "completed", processedImages: 2, failedImages: 0 });
    const calls = hookCalls.filter((call) => call.body.requestId === requestId);
    expect(calls.map((call) => call.body.status)).toEqual(["completed", "completed"]);
    expect(calls[1].id).not.toBe(calls[0].id);
  });
});

describe("the hourly sweep on Inngest", () => {
  it("deletes expired requests, finishes unclosed ones, resumes stalled ones, each at most once a sweep", async () => {
    const db = await getDb();
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * HOUR_MS);

    // Expired: finished 31 days ago.
    const expired = await upload(["/gone-1.jpg"]);
    await runImages(expired, await imageIdsOf(expired));
    await runFunction(finishJob, { name: requestImagesFinished.name, data: { requestId: expired } });
    await db
      .update(requests)
      .set({ completedAt: new Date(Date.now() - 31 * DAY_MS) })
      .where(eq(requests.id, expired));

    // Unclosed: its only image is counted, but the finish event was lost.
    const unclosed = await upload(["/gone-2.jpg"]);
    await runImages(unclosed, await imageIdsOf(unclosed));

    // Stalled: accepted, its events lost, nothing recorded for two hours.
    const stalled = await upload(["/a.jpg"]);
    await db
      .update(requests)
      .set({ updatedAt: hoursAgo(2) })
      .where(eq(requests.id, stalled));

    // Cancelled with an image under way whose run never came back.
    const abandoned = await upload(["/b.jpg", "/c.jpg"]);
    await claimImages([(await imageIdsOf(abandoned))[0]]);
    expect((await cancelRequest(abandoned)).status).toBe(202);
    await db
      .update(requests)
      .set({ updatedAt: hoursAgo(2) })
      .where(eq(requests.id, abandoned));

    // Fresh and processing: not the sweep's business.
    const fresh = await upload(["/d.jpg"]);

    const sweep = await runFunction(sweepJob, sweepEvent);
    expect(sweep.error).toBeUndefined();
    expect(sweep.result).toMatchObject({ deleted: expect.any(Number) });
    expect(await findRequest(expired)).toBeNull();
    expect(await db.select().from(images).where(eq(images.requestId, expired))).toEqual([]);

    const finishSent = sweep.sends.get("finish unclosed requests") ?? [];
    const resumeSent = sweep.sends.get("resume stalled requests") ?? [];
    expect(finishSent).toContainEqual({ name: requestImagesFinished.name, data: { requestId: unclosed } });
    expect(finishSent).toContainEqual({ name: requestImagesFinished.name, data: { requestId: abandoned } });
    expect(resumeSent).toContainEqual({ name: requestAccepted.name, data: { requestId: stalled } });
    const named = [...finishSent, ...resumeSent].map((event) => event.data.requestId);
    expect(named).not.toContain(fresh);
    expect(new Set(named).size).toBe(named.length);
    expect(await findRequest(abandoned)).toMatchObject({ cancelledImages: 2 });

    // The events it sent do their work: the finisher closes both, the fan-out sends the stalled image.
    for (const requestId of [unclosed, abandoned]) {
      const finish = await runFunction(finishJob, { name: requestImagesFinished.name, data: { requestId } });
      expect(finish.result).toMatchObject({ closed: true });
    }
    expect(await findRequest(abandoned)).toMatchObject({ status: "cancelled" });
    const fanOut = await runFunction(fanOutJob, { name: requestAccepted.name, data: { requestId: stalled } });
    expect(fanOut.sent).toHaveLength(1);

    // The next sweep, an hour later in the same state, sends nothing for what was already handled.
    const next = await runFunction(sweepJob, sweepEvent);
    const again = [
      ...(next.sends.get("finish unclosed requests") ?? []),
      ...(next.sends.get("resume stalled requests") ?? []),
    ];
    for (const requestId of [unclosed, abandoned, stalled]) {
      expect(again.map((event) => event.data.requestId)).not.toContain(requestId);
    }
  });
});

async function imageIdsOf(requestId: string): Promise<number[]> {
  return listUnfinishedImageIds({ requestId });
}
