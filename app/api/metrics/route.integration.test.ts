import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.METRICS_TOKEN = "scrape-secret";
});

import { GET as metricsRoute } from "@/app/api/metrics/route";
import { settle, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

const metricsOperation = { method: "get", path: "/api/metrics" } as const;
let images: ImageServer;

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
});

afterAll(() => images.close());

function scrape(authorization?: string) {
  const headers = authorization ? { authorization } : undefined;
  return metricsRoute(new Request("http://127.0.0.1:3999/api/metrics", { headers }));
}

/** The value of one sample line of the Prometheus text format, e.g. `csv_requests{status="completed"}`. */
function sample(text: string, name: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  if (!line) throw new Error(`no sample ${name} in:\n${text}`);
  return Number(line.slice(name.length + 1));
}

describe("GET /api/metrics", () => {
  it("is refused without the metrics token, with a wrong one, and served with the right one", async () => {
    const missing = await scrape();
    expect(missing.status).toBe(401);
    await expectContract(missing, metricsOperation);
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    expect((await scrape("Bearer wrong-secret")).status).toBe(401);
    const served = await scrape("Bearer scrape-secret");
    expect(served.status).toBe(200);
    await expectContract(served, metricsOperation);
    expect(served.headers.get("content-type")).toContain("text/plain");
    expect(await served.text()).toContain("process_cpu_user_seconds_total");
  });

  it("counts a small request's images, bytes, time, webhook-free outcome and the request's status", async () => {
    const csv = productCsv(["Shirt", images.url("/a.jpg"), images.url("/missing.jpg")]);
    const { requestId } = await (await uploadCsv(csv)).json();
    const status = await settle(requestId);
    expect(status.progress).toMatchObject({ processedImages: 1, failedImages: 1 });

    const text = await (await scrape("Bearer scrape-secret")).text();
    expect(sample(text, 'csv_images_finished_total{outcome="completed",format="jpeg"}')).toBe(1);
    expect(sample(text, 'csv_images_finished_total{outcome="failed",format="none"}')).toBe(1);
    expect(sample(text, "csv_image_in_bytes_total")).toBe(status.totals.bytesIn);
    expect(sample(text, "csv_image_out_bytes_total")).toBe(status.totals.bytesOut);
    expect(sample(text, 'csv_image_processing_seconds_count{outcome="completed"}')).toBe(1);
    expect(sample(text, 'csv_image_processing_seconds_count{outcome="failed"}')).toBe(1);
    expect(sample(text, "csv_images_in_flight")).toBe(0);
    // Counted from the database, which other test files share on PostgreSQL.
    expect(sample(text, "csv_images_waiting")).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'csv_requests{status="completed"}')).toBeGreaterThanOrEqual(1);
  });
});
