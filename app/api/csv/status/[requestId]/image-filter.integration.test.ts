import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { images, requests } from "@/db/schema";
import type { RequestStatus, RequestStatusLight } from "@/lib/contract";
import { getStatus, settle, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";
import { paceOf } from "@/lib/requests/activity";

const status = { method: "get", path: "/api/csv/status/{requestId}" } as const;
let server: ImageServer;
let photo: Buffer;

beforeAll(async () => {
  server = await startImageServer();
  photo = await photoJpeg();
});

afterAll(() => server.close());

async function statusOf<T = RequestStatus>(requestId: string, query: string): Promise<T> {
  const answer = await getStatus(requestId, query);
  expect(answer.status).toBe(200);
  return (await expectContract(answer, status)) as T;
}

/** A promise and the function that settles it: an image host that answers when told. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("imageStatus: one state's images, paged", () => {
  let requestId: string;
  // Rows 2–8: every other image fails (404); row 8 uses the failing image of row 2 again.
  const failing = ["/f1.jpg", "/f2.jpg", "/f3.jpg", "/f4.jpg", "/f5.jpg"];

  beforeAll(async () => {
    server.route("/ok.jpg", serveBytes(photo, "image/jpeg"));
    const csv = productCsv(
      ["Shirt", `${server.url("/ok.jpg")}, ${server.url(failing[0])}`],
      ["Mug", server.url(failing[1])],
      ["Lamp", server.url("/ok.jpg")],
      ["Shoe", `${server.url(failing[2])}, ${server.url(failing[3])}`],
      ["Hat", server.url("/ok.jpg")],
      ["Belt", server.url(failing[4])],
      ["Cap", server.url(failing[0])],
    );
    requestId = (await (await uploadCsv(csv)).json()).requestId;
    await settle(requestId);
  });

  it("counts the images in that state and pages through each of them once, in the rows that use them", async () => {
    const first = await statusOf(requestId, "?imageStatus=failed&pageSize=2");
    expect(first.imageStatus).toBe("failed");
    expect(first.progress.failedImages).toBe(5);
    expect(first.pagination).toEqual({ page: 1, pageSize: 2, totalItems: 5, totalPages: 3 });

    const seen: string[] = [];
    const rowsOf = new Map<string, number[]>();
    for (let page = 1; page <= 3; page++) {
      const answer = await statusOf(requestId, `?imageStatus=failed&pageSize=2&page=${page}`);
      expect(answer.pagination.page).toBe(page);
      const onPage = new Set<string>();
      for (const product of answer.products) {
        expect(product.images.length).toBeGreaterThan(0);
        for (const image of product.images) {
          expect(image.status).toBe("failed");
          expect(image.error).toMatch(/404|not found/i);
          onPage.add(image.inputUrl);
          rowsOf.set(image.inputUrl, [...(rowsOf.get(image.inputUrl) ?? []), product.rowNumber]);
        }
      }
      expect(onPage.size).toBe(page < 3 ? 2 : 1);
      seen.push(...onPage);
    }
    // Every failed image once, in position order, and none that succeeded.
    expect(seen).toEqual(failing.map((path) => server.url(path)));
    // The image used by rows 2 and 8 is shown in both; the others in their own row.
    expect(rowsOf.get(server.url(failing[0]))).toEqual([2, 8]);
    expect(rowsOf.get(server.url(failing[1]))).toEqual([3]);
    expect(rowsOf.get(server.url(failing[4]))).toEqual([7]);
  });

  it("lists the completed ones by their counter, and a page past the end is the last page", async () => {
    const completed = await statusOf(requestId, "?imageStatus=completed");
    expect(completed.pagination).toMatchObject({ totalItems: 1, totalPages: 1 });
    // One distinct image, used by three rows.
    expect(completed.products.map((product) => product.rowNumber)).toEqual([2, 4, 6]);
    expect(completed.products.flatMap((product) => product.images.map((image) => image.status))).toEqual([
      "completed",
      "completed",
      "completed",
    ]);
    const past = await statusOf(requestId, "?imageStatus=failed&pageSize=2&page=40");
    expect(past.pagination).toMatchObject({ page: 3, totalPages: 3 });
    const none = await statusOf(requestId, "?imageStatus=cancelled");
    expect(none.pagination).toEqual({ page: 1, pageSize: 50, totalItems: 0, totalPages: 1 });
    expect(none.products).toEqual([]);
    // Without the filter, products are paged as always.
    const all = await statusOf(requestId, "");
    expect(all.imageStatus).toBeNull();
    expect(all.pagination.totalItems).toBe(7);
  });

  it("refuses a state it cannot list with a 400 that names the parameter and its values", async () => {
    for (const value of ["broken", "pending", "FAILED", ""]) {
      const answer = await getStatus(requestId, `?imageStatus=${value}`);
      expect(answer.status).toBe(400);
      const body = (await expectContract(answer, status)) as { error: string; code: string };
      expect(body.code).toBe("bad_request:parameter");
      expect(body.error).toBe(`imageStatus must be one of failed, completed, processing, cancelled (got "${value}").`);
    }
  });
});

describe("activity: under way apart from waiting, pace and time left", () => {
  it("tells working from waiting, and measures the pace over the last minute", async () => {
    const held = gate();
    // More images than the runner takes up at once, so some are still waiting.
    const slow = Array.from({ length: 90 }, (_, i) => `/slow-${i}.jpg`);
    for (const path of slow) {
      server.route(path, async (request, response) => {
        await held.opened;
        serveBytes(photo, "image/jpeg")(request, response, 1);
      });
    }
    server.route("/fast-1.jpg", serveBytes(photo, "image/jpeg"));
    server.route("/fast-2.jpg", serveBytes(Buffer.from("not an image"), "image/jpeg"));
    const csv = productCsv(
      ["Fast", `${server.url("/fast-1.jpg")}, ${server.url("/fast-2.jpg")}`],
      ...slow.map((path, i) => [`Slow ${i}`, server.url(path)] as [string, string]),
    );
    const requestId: string = (await (await uploadCsv(csv)).json()).requestId;
    try {
      // The two fast images finish (one compressed, one failed); the slow ones are held.
      let light = await statusOf<RequestStatusLight>(requestId, "?products=0");
      for (let tries = 0; light.progress.processedImages + light.progress.failedImages < 2 && tries < 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        light = await statusOf<RequestStatusLight>(requestId, "?products=0");
      }
      expect(light.progress).toMatchObject({ processedImages: 1, failedImages: 1, totalImages: 92 });
      // Started 30 s ago by its clock: two images finished in the last 30 s, 90 left.
      const db = await getDb();
      await db
        .update(requests)
        .set({ createdAt: sql`now() - interval '30 seconds'` })
        .where(eq(requests.id, requestId));
      light = await statusOf<RequestStatusLight>(requestId, "?products=0");
      const { activity } = light;
      const underWay = await db
        .select({ count: sql<number>`count(*)::int` })
        .from(images)
        .where(sql`${images.requestId} = ${requestId} and ${images.status} = 'processing'`);
      expect(activity.workingImages).toBe(underWay[0].count);
      expect(activity.workingImages).toBeGreaterThan(0);
      expect(activity.waitingImages).toBeGreaterThan(0);
      expect(activity.workingImages + activity.waitingImages).toBe(90);
      expect(activity.imagesPerSecond).toBeCloseTo(2 / 30, 2);
      // 90 images at 2 in 30 s (and the few ms since): 1,350 s.
      expect(activity.secondsLeft).toBeGreaterThanOrEqual(1350);
      expect(activity.secondsLeft).toBeLessThan(1360);
      // The page view carries the same activity.
      expect((await statusOf(requestId, "?pageSize=1")).activity.workingImages).toBe(activity.workingImages);
      // Images under way are listed on their own.
      const working = await statusOf(requestId, "?imageStatus=processing&pageSize=500");
      expect(working.pagination.totalItems).toBe(activity.workingImages);
      expect(
        working.products.flatMap((product) => product.images).every((image) => image.status === "processing"),
      ).toBe(true);
    } finally {
      held.open();
    }
    await settle(requestId);
    const done = await statusOf<RequestStatusLight>(requestId, "?products=0");
    expect(done.activity).toEqual({ workingImages: 0, waitingImages: 0, imagesPerSecond: null, secondsLeft: null });
  });

  it("measures a fast request over its latest finishes, and a new one not at all", () => {
    expect(paceOf({ finished: 0, oldestSeconds: null }, 1)).toBeNull();
    expect(paceOf({ finished: 30, oldestSeconds: 50 }, 600)).toBe(0.5);
    expect(paceOf({ finished: 12, oldestSeconds: 5 }, 6)).toBe(2);
    // As many as are read: measured over the time they took.
    expect(paceOf({ finished: 500, oldestSeconds: 4 }, 600)).toBe(125);
  });
});

describe("the same image twice in one upload", () => {
  it("says which row's output a twin copies, and an earlier upload's copy says it is not a twin", async () => {
    const second = gate();
    // Bytes no other upload of this owner had.
    const twin = await photoJpeg(333, 222);
    server.route("/twin-a.jpg", serveBytes(twin, "image/jpeg"));
    // The same bytes at another URL, held until the first is finished, so its output is there to copy.
    server.route("/twin-b.jpg", async (request, response) => {
      await second.opened;
      serveBytes(twin, "image/jpeg")(request, response, 1);
    });
    const csv = productCsv(["Shirt", server.url("/twin-a.jpg")], ["Shirt again", server.url("/twin-b.jpg")]);
    const first: string = (await (await uploadCsv(csv)).json()).requestId;
    for (let tries = 0; tries < 200; tries++) {
      const light = await statusOf<RequestStatusLight>(first, "?products=0");
      if (light.progress.processedImages === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    second.open();
    const [a, b] = (await settle(first)).products.map((product) => product.images[0]);
    expect(a).toMatchObject({ reused: false, sameAsRow: null });
    expect(b).toMatchObject({ status: "completed", reused: true, sameAsRow: 2 });

    // Uploaded again: the first image is a copy of the earlier upload's, not of a row of this one.
    const again: string = (await (await uploadCsv(productCsv(["Shirt", server.url("/twin-a.jpg")]))).json()).requestId;
    const [copy] = (await settle(again)).products[0].images;
    expect(copy).toMatchObject({ reused: true, sameAsRow: null });
  });
});
