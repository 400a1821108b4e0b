import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  vi.stubEnv("JOB_RUNNER", "inngest");
  vi.stubEnv("INNGEST_DEV", "1");
  vi.stubEnv("INNGEST_BASE_URL", "http://127.0.0.1:9");
});

import { insertRequest } from "@/db/requests";
import { listUnfinishedImageIds } from "@/db/images";
import { getDb } from "@/db/client";
import { installLoopbackTripwire } from "@/test/loopback";
import { config } from "@/lib/config";
import { failImage } from "@/lib/jobs/process-image";
import { uploadCsv } from "@/test/api";
import { inngest } from "../client";
import { fanOutContinued, imageRequested, requestAccepted, requestImagesFinished } from "../events";
import { interceptInngest, runFunction, type SentEvent } from "@/test/inngest";
import { fanOutJob } from "./fan-out-job";
import { PRODUCT_CSV_HEADER } from "@/test/product-csv";

let removeTripwire = () => {};
const intercepted = interceptInngest(inngest);

beforeAll(async () => {
  // Nothing may leave the machine. (postgres.js connects in a form the tripwire refuses.)
  if (config.database.kind === "pglite") removeTripwire = installLoopbackTripwire();
  // Connect and migrate before the first test, so that time is not charged to the test.
  await getDb();
});

afterAll(() => {
  removeTripwire();
  expect(intercepted.fetch).not.toHaveBeenCalled();
});

/** A request stored directly: the fan-out only reads ids, so its images are never downloaded. */
async function storeRequest(imageCount: number) {
  const requestId = randomUUID();
  const filesId = randomUUID();
  const imageUrls = Array.from({ length: imageCount }, (_, index) => `http://127.0.0.1:9/images/${index}.jpg`);
  await insertRequest({
    request: {
      id: requestId,
      filesId,
      owner: null,
      clientKey: null,
      fileName: "products.csv",
      inputCsvKey: `uploads/${filesId}/products.csv`,
      inputCsvUrl: `http://127.0.0.1:3999/files/uploads/${filesId}/products.csv`,
      quality: 50,
      outputFormat: "keep",
      maxWidth: null,
      maxHeight: null,
      totalProducts: 1,
      totalImages: imageCount,
      webhookUrl: null,
      webhookSecret: null,
    },
    productRows: [
      {
        position: 0,
        rowNumber: 2,
        serialNumber: "1",
        productName: "Item",
        inputUrlsCell: imageUrls.join(","),
        imagePositions: imageUrls.map((_, position) => position),
        imageRows: null,
      },
    ],
    imageUrls,
  });
  return requestId;
}

function imageIdsOf(events: SentEvent[], requestId: string): number[] {
  for (const event of events) {
    expect(event.name).toBe(imageRequested.name);
    expect(event.data.requestId).toBe(requestId);
  }
  return events.map((event) => event.data.imageId as number);
}

function expectWithinSendLimits(sends: Map<string, SentEvent[]>) {
  for (const events of sends.values()) {
    expect(events.length).toBeLessThanOrEqual(500);
    expect(Buffer.byteLength(JSON.stringify(events))).toBeLessThan(128 * 1024);
  }
}

describe("fan-out-images", () => {
  it("turns the accepted event of an upload into one event per distinct image", async () => {
    const csv = [
      PRODUCT_CSV_HEADER,
      '1,SKU1,"http://127.0.0.1:9/a.jpg,http://127.0.0.1:9/b.jpg"',
      '2,SKU2,"http://127.0.0.1:9/c.jpg,http://127.0.0.1:9/a.jpg"',
      "3,SKU3,http://127.0.0.1:9/d.png",
    ].join("\n");
    const { requestId } = await (await uploadCsv(csv)).json();

    // What the Inngest runner sent when the upload was accepted.
    const accepted = intercepted.sent.filter((event) => event.data.requestId === requestId);
    expect(accepted).toEqual([{ name: requestAccepted.name, data: { requestId } }]);

    const run = await runFunction(fanOutJob, accepted[0]);
    expect(run.error).toBeUndefined();
    const expected = await listUnfinishedImageIds({ requestId });
    expect(expected).toHaveLength(4);
    const sentIds = imageIdsOf(run.sent, requestId);
    expect(sentIds).toHaveLength(4);
    expect(new Set(sentIds)).toEqual(new Set(expected));
    expect(run.result).toEqual({ requestId, images: 4, continued: false });
  });

  it("sends a large request in bounded batches and continues in a new run past 10,000 images", async () => {
    const requestId = await storeRequest(10_250);
    const all = await listUnfinishedImageIds({ requestId });

    const first = await runFunction(fanOutJob, { name: requestAccepted.name, data: { requestId } });
    expect(first.error).toBeUndefined();
    expect(first.result).toEqual({ requestId, images: 10_000, continued: true });
    expectWithinSendLimits(first.sends);
    const continuation = first.sends.get("continue fan-out");
    expect(continuation).toEqual([{ name: fanOutContinued.name, data: { requestId, afterImageId: all[9_999] } }]);
    first.sends.delete("continue fan-out");
    expect(first.sends.size).toBe(20);
    const firstIds = imageIdsOf([...first.sends.values()].flat(), requestId);

    const second = await runFunction(fanOutJob, continuation![0]);
    expect(second.result).toEqual({ requestId, images: 250, continued: false });
    expectWithinSendLimits(second.sends);
    const secondIds = imageIdsOf(second.sent, requestId);

    // Every image named exactly once across both runs.
    const named = [...firstIds, ...secondIds];
    expect(named).toHaveLength(all.length);
    expect(new Set(named)).toEqual(new Set(all));
  });

  it("hands a request with no unfinished image straight to the finisher", async () => {
    const requestId = await storeRequest(2);
    for (const imageId of await listUnfinishedImageIds({ requestId })) await failImage(imageId, "gone");

    const run = await runFunction(fanOutJob, { name: requestAccepted.name, data: { requestId } });
    expect(run.sent).toEqual([{ name: requestImagesFinished.name, data: { requestId } }]);
  });

  it("rejects an event whose data does not match its schema", async () => {
    const run = await runFunction(fanOutJob, { name: requestAccepted.name, data: { requestId: 42 } });
    expect(run.error?.message).toMatch(/requestId/);
    expect(run.sent).toEqual([]);
  });
});
