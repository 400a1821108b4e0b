import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  // Room for two of the 16-bit images below at once, not three; the largest image is refused.
  process.env.IMAGE_MEMORY_BUDGET_BYTES = String(64 * 1024 * 1024);
  process.env.MAX_IMAGE_DECODED_BYTES = String(20 * 1024 * 1024);
  process.env.WORKER_CONCURRENCY = "8";
  process.env.FETCH_HOST_CONCURRENCY = "3";
});

import { processImageWorkGate } from "@/lib/images/image-work-gate";
import { getStatus, settle, uploadCsv } from "@/test/api";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { PRODUCT_CSV_HEADER } from "@/test/product-csv";

/** The in-process runner's scheduling with the real pipeline: fairness, hosts, memory. */

let big: ImageServer;
let slow: ImageServer;
let other: ImageServer;

beforeAll(async () => {
  [big, slow, other] = await Promise.all([startImageServer(), startImageServer(), startImageServer()]);
  const jpeg = await photoJpeg(200, 150);
  const delayed =
    (ms: number) =>
    async (...args: Parameters<ReturnType<typeof serveBytes>>) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      await serveBytes(jpeg, "image/jpeg")(...args);
    };
  for (let i = 0; i < 200; i++) big.route(`/big/${i}.jpg`, delayed(15));
  for (let i = 0; i < 20; i++) slow.route(`/hang/${i}.jpg`, delayed(1_200));
  other.route("/small/a.jpg", serveBytes(jpeg, "image/jpeg"));
  other.route("/small/b.jpg", serveBytes(jpeg, "image/jpeg"));
});

afterAll(async () => {
  await Promise.all([big.close(), slow.close(), other.close()]);
});

function csvOf(urls: string[], perRow = 5): string {
  const rows = [];
  for (let i = 0; i < urls.length; i += perRow)
    rows.push(`${rows.length + 1},P${rows.length},"${urls.slice(i, i + perRow).join(",")}"`);
  return `${PRODUCT_CSV_HEADER}\n${rows.join("\n")}\n`;
}

async function upload(csv: string): Promise<string> {
  const response = await uploadCsv(csv);
  expect(response.status).toBe(202);
  return (await response.json()).requestId;
}

async function completedAt(requestId: string): Promise<number> {
  const status = await (await getStatus(requestId)).json();
  expect(status.status).toBe("completed");
  return Date.parse(status.completedAt);
}

describe("the in-process runner", () => {
  it("finishes a 2-image request uploaded behind a 200-image one first", async () => {
    const bigRequest = await upload(csvOf(Array.from({ length: 200 }, (_, i) => big.url(`/big/${i}.jpg`))));
    const smallRequest = await upload(csvOf([other.url("/small/a.jpg"), other.url("/small/b.jpg")]));
    await settle(bigRequest);
    expect(await completedAt(smallRequest)).toBeLessThan(await completedAt(bigRequest));
  }, 60_000);

  it("does not let one slow host hold every worker", async () => {
    const slowRequest = await upload(csvOf(Array.from({ length: 20 }, (_, i) => slow.url(`/hang/${i}.jpg`))));
    const quickRequest = await upload(csvOf([other.url("/small/a.jpg")]));
    await settle(quickRequest);
    // The slow host's 20 images take 7 rounds of 1.2 s at three at a time; the other request is done long before.
    expect(await completedAt(quickRequest)).toBeLessThan(await completedAt(slowRequest));
    expect(slow.hits("/hang/19.jpg")).toBe(1);
  }, 60_000);

  it("never reserves more memory than the budget, and refuses an image over the decode limit", async () => {
    // 1,600 × 1,000 RGBA at 16 bits a channel: 12.8 MB decoded each, 29.4 MB with a PNG encode's
    // working memory (2.3×); three would not fit in 64 MB.
    const deep = await sharp(
      await sharp({
        create: {
          width: 1600,
          height: 1000,
          channels: 4,
          background: { r: 90, g: 140, b: 200, alpha: 0.8 },
          noise: { type: "gaussian", mean: 128, sigma: 30 },
        },
      })
        .png()
        .toBuffer(),
    )
      .toColourspace("rgb16")
      .png({ compressionLevel: 1 })
      .toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe("ushort");
    const wide = await sharp({ create: { width: 3000, height: 1000, channels: 4, background: "#0a0" } })
      .toColourspace("rgb16")
      .png({ compressionLevel: 1 })
      .toBuffer();
    for (let i = 0; i < 6; i++) other.route(`/deep/${i}.png`, serveBytes(deep, "image/png"));
    other.route("/wide.png", serveBytes(wide, "image/png"));

    const gate = processImageWorkGate();
    const requestId = await upload(
      csvOf([...Array.from({ length: 6 }, (_, i) => other.url(`/deep/${i}.png`)), other.url("/wide.png")]),
    );
    const status = await settle(requestId);
    expect(status.progress).toMatchObject({ processedImages: 6, failedImages: 1 });
    expect(gate.budgetBytes).toBe(64 * 1024 * 1024);
    expect(gate.usage.peakBytes).toBeLessThanOrEqual(gate.budgetBytes);
    // Two at once did run: the budget, not a single slot, set the pace.
    expect(gate.usage.peakBytes).toBeGreaterThanOrEqual(2 * 1600 * 1000 * 8 * 2.3);
    expect(gate.usage.bytesInUse).toBe(0);
    const refused = status.products.flatMap((product) => product.images).find((image) => image.status === "failed");
    expect(refused?.error).toBe(
      "The image needs 22.9 MB of memory once decoded (3000×1000, 4 channels of 16 bits); the limit is 20 MB",
    );
  }, 60_000);
});
