import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  // A short deadline for reading a body, so a stalled upload is cut off within the test.
  process.env.UPLOAD_TIMEOUT_MS = "1500";
  // Health answers from its probes' last verdicts, as in production, while the database is busy.
  process.env.HEALTH_CACHE_MS = "5000";
});

import { and, asc, count, eq } from "drizzle-orm";
import { GET as healthRoute } from "@/app/api/health/route";
import { getDb } from "@/db/client";
import { images, products } from "@/db/schema";
import { getJobRunner, provideJobRunner, type JobRunner } from "@/lib/jobs/job-runner";
import { recordingRunner } from "@/test/runners";
import { uploadCsv } from "@/test/api";
import { requestsNamed, uniqueFileName } from "@/test/db";
import { POST as uploadRoute } from "./route";
import { PRODUCT_CSV_HEADER } from "@/test/product-csv";

/**
 * Big and hostile uploads. Processing is not under test here, so the job runner only records the
 * requests it is handed (the real runner would start downloading every image).
 */

const accepted: string[] = [];
let realRunner: JobRunner;

beforeAll(async () => {
  realRunner = await getJobRunner();
  provideJobRunner(async () => recordingRunner(accepted));
});

afterAll(() => provideJobRunner(async () => realRunner));

/** `rows` products of five distinct image URLs each, with long URLs as image CDNs write them. */
function bigCsv(rows: number, tag: string): string {
  const lines = [PRODUCT_CSV_HEADER];
  for (let row = 1; row <= rows; row++) {
    const urls = Array.from(
      { length: 5 },
      (_, i) => `https://cdn.shop.test/${tag}/catalogue/2025/spring/product-${row}/photo-${i}-w_1600,h_1600,q_90.jpg`,
    );
    lines.push(`${row},"Product ${row}, ${tag}","${urls.join(",")}"`);
  }
  return `${lines.join("\r\n")}\r\n`;
}

describe("a 10,000-row upload", () => {
  it("stores every product in input order and every image, in one go", async () => {
    const response = await uploadCsv(bigCsv(10_000, "bulk"));
    expect(response.status).toBe(202);
    const { requestId, products: productCount, images: imageCount, uniqueImages } = await response.json();
    expect({ productCount, imageCount, uniqueImages }).toEqual({
      productCount: 10_000,
      imageCount: 50_000,
      uniqueImages: 50_000,
    });
    expect(accepted).toContain(requestId);

    const db = await getDb();
    const stored = await db
      .select({
        position: products.position,
        rowNumber: products.rowNumber,
        name: products.productName,
        positions: products.imagePositions,
      })
      .from(products)
      .where(eq(products.requestId, requestId))
      .orderBy(asc(products.position));
    expect(stored).toHaveLength(10_000);
    stored.forEach((product, index) => {
      expect(product.position).toBe(index);
      expect(product.rowNumber).toBe(index + 2);
      expect(product.name).toBe(`Product ${index + 1}, bulk`);
      expect(product.positions).toEqual([0, 1, 2, 3, 4].map((i) => index * 5 + i));
    });
    const [last] = await db
      .select({ url: images.url })
      .from(images)
      .where(and(eq(images.requestId, requestId), eq(images.position, 49_999)));
    expect(last.url).toContain("product-10000/photo-4");
    const [{ images: storedImages }] = await db
      .select({ images: count() })
      .from(images)
      .where(eq(images.requestId, requestId));
    expect(storedImages).toBe(50_000);
  }, 120_000);
});

describe("uploads that never finish arriving", () => {
  it("are cut off at UPLOAD_TIMEOUT_MS with 408, keeping nothing", async () => {
    const fileName = uniqueFileName("slow");
    const boundary = "----stalled";
    const head = new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/csv\r\n\r\n${PRODUCT_CSV_HEADER}\r\n1,Shirt,https://shop.test/a.jpg\r\n`,
    );
    // Sends the start of a file, then nothing, for ever.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
      },
    });
    const started = Date.now();
    const response = await uploadRoute(
      new Request("http://127.0.0.1:3999/api/csv/upload", {
        method: "POST",
        body,
        duplex: "half",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      } as RequestInit),
    );
    expect(response.status).toBe(408);
    expect(await response.json()).toMatchObject({
      isValid: false,
      code: "request_timeout:upload",
      error: "The upload did not arrive within 1.5 s; nothing was kept. Please try again.",
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await requestsNamed(fileName)).toBe(0);
  });
});

describe("ten large uploads at once", () => {
  it("are all answered, and health answers all the while", async () => {
    const uploads = Array.from({ length: 10 }, (_, i) => bigCsv(3_000, `load-${i}`));
    expect((await healthRoute()).status).toBe(200);
    let running = true;
    const probes: { status: number; ms: number }[] = [];
    const probing = (async () => {
      while (running) {
        const started = performance.now();
        const response = await healthRoute();
        probes.push({ status: response.status, ms: performance.now() - started });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const answers = await Promise.all(uploads.map((csv, i) => uploadCsv(csv, { fileName: `load-${i}.csv` })));
    running = false;
    await probing;

    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(202));
    expect(probes.length).toBeGreaterThan(5);
    expect(probes.filter((probe) => probe.status !== 200)).toEqual([]);
    const slowest = Math.max(...probes.map((probe) => probe.ms));
    console.info(`health during 10 concurrent uploads: ${probes.length} probes, slowest ${slowest.toFixed(0)} ms`);
  }, 180_000);
});
