import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Answers are shared for a minute here, so only invalidation can make a change show.
vi.hoisted(() => {
  process.env.STATUS_CACHE_MS = "60000";
});

import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { requests } from "@/db/schema";
import { getStatus, settle, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { statusStoreUsage } from "@/lib/requests/status-answers";
import { GET as statusRoute } from "./route";
import { productCsv } from "@/test/product-csv";

const status = { method: "get", path: "/api/csv/status/{requestId}" } as const;
let images: ImageServer;
let requestId: string;

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
  const csv = productCsv(["Shirt", images.url("/a.jpg"), images.url("/gone.jpg")]);
  requestId = (await (await uploadCsv(csv)).json()).requestId;
  await settle(requestId);
});

afterAll(() => images.close());

function poll(query = "", etag?: string) {
  return statusRoute(
    new Request(`http://127.0.0.1:3999/api/csv/status/${requestId}${query}`, {
      headers: etag ? { "if-none-match": etag } : {},
    }),
    { params: Promise.resolve({ requestId }) },
  );
}

describe("status for pollers", () => {
  it("answers counters alone with products=0", async () => {
    const light = await poll("?products=0");
    expect(light.status).toBe(200);
    const body = (await expectContract(light, status)) as Record<string, unknown>;
    expect(body).toMatchObject({ requestId, status: "completed", progress: { processedImages: 1, failedImages: 1 } });
    expect(body).not.toHaveProperty("products");
    expect(body).not.toHaveProperty("pagination");
    const full = (await (await poll()).json()) as Record<string, unknown>;
    expect(full.products).toHaveLength(1);
  });

  it("sends an ETag and answers 304 without a body while nothing changed", async () => {
    const first = await poll("?products=0");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await poll("?products=0", etag);
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    await expectContract(again, status);
    // Another form or page is another answer with its own tag.
    expect((await poll("", etag)).status).toBe(200);
  });

  it("builds one answer for many pollers at once and shares it", async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => poll("?products=0")));
    expect(new Set(answers.map((answer) => answer.headers.get("etag"))).size).toBe(1);
    // A change made outside this process is seen when the shared answer expires, not before.
    const db = await getDb();
    await db.update(requests).set({ error: "changed elsewhere" }).where(eq(requests.id, requestId));
    expect(((await (await poll("?products=0")).json()) as { error: string | null }).error).toBeNull();
  });

  it("answers afresh at once after this process changes the request", async () => {
    const before = (await poll("?products=0")).headers.get("etag")!;
    // The image host holds its answer until the in-progress status has been read, so it is one.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const bytes = await photoJpeg();
    images.route("/held.jpg", async (request, response) => {
      await held;
      serveBytes(bytes, "image/jpeg")(request, response, 1);
    });
    const csv = productCsv(["Mug", images.url("/held.jpg")]);
    const other = (await (await uploadCsv(csv)).json()).requestId;
    const processing = await getStatus(other, "?products=0");
    expect(((await processing.clone().json()) as { status: string }).status).not.toBe("completed");
    const processingTag = processing.headers.get("etag")!;
    release();
    await settle(other);
    // Recording the image and closing the request dropped the other request's shared answer.
    const finished = await getStatus(other, "?products=0", processingTag);
    expect(finished.status).toBe(200);
    expect(((await finished.json()) as { status: string }).status).toBe("completed");
    expect((await poll("?products=0", before)).status).toBe(304);
  });

  it("keeps one answer for every page past the end, and caps a page's images", async () => {
    const before = statusStoreUsage();
    // A new page number each call: every one of them is the last page, so it is one answer.
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => poll(`?page=${i + 2}&pageSize=500`).then((answer) => answer.json())),
    );
    for (const answer of answers) {
      expect((answer as { pagination: { page: number; pageSize: number } }).pagination).toEqual({
        page: 1,
        // Rows may hold up to MAX_URLS_PER_ROW (50) images: 5,000 images a page is 100 rows.
        pageSize: 100,
        totalItems: 1,
        totalPages: 1,
      });
    }
    expect(statusStoreUsage().answers - before.answers).toBeLessThanOrEqual(1);
  });
});
