import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { requests } from "@/db/schema";
import type { Savings } from "@/lib/contract";
import { type Caller, settle, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";
import { GET as savingsRoute } from "./route";

const savings = { method: "get", path: "/api/csv/savings" } as const;
// Owners of this file alone: other files upload as the usual test browser meanwhile.
const seller: Caller = { cookie: `cic_owner=savings-${randomUUID()}` };
const otherSeller: Caller = { cookie: `cic_owner=savings-${randomUUID()}` };
let server: ImageServer;

function getSavings(query: string, as: Caller = seller) {
  return savingsRoute(new Request(`http://127.0.0.1:3999/api/csv/savings${query}`, { headers: as }));
}

async function upload(as: Caller, paths: string[]) {
  const csv = productCsv(...paths.map((path, i) => [`Product ${i}`, server.url(path)] as [string, string]));
  const accepted = await uploadCsv(csv, { as });
  expect(accepted.status, await accepted.clone().text()).toBe(202);
  const requestId: string = (await accepted.json()).requestId;
  const status = await settle(requestId, as);
  expect(status.status).toBe("completed");
  return { requestId, totals: status.totals };
}

async function movedBack(requestId: string, days: number) {
  const db = await getDb();
  await db
    .update(requests)
    .set({ createdAt: sql`now() - make_interval(days => ${days})` })
    .where(eq(requests.id, requestId));
}

beforeAll(async () => {
  server = await startImageServer();
  server.route("/big.jpg", serveBytes(await photoJpeg(640, 480), "image/jpeg"));
  server.route("/small.jpg", serveBytes(await photoJpeg(200, 150), "image/jpeg"));
  server.route("/other.jpg", serveBytes(await photoJpeg(300, 300), "image/jpeg"));
});

afterAll(() => server.close());

describe("savings over time", () => {
  type Upload = Awaited<ReturnType<typeof upload>>;
  let today: Upload;
  let earlier: Upload;
  let earlierToo: Upload;

  // In the hook: the first upload also starts the database, which may take a while.
  beforeAll(async () => {
    today = await upload(seller, ["/big.jpg"]);
    earlier = await upload(seller, ["/small.jpg"]);
    earlierToo = await upload(seller, ["/other.jpg"]);
    await movedBack(earlier.requestId, 2);
    await movedBack(earlierToo.requestId, 2);
    // Another seller's upload today, and one of ours older than the period: neither is counted.
    await upload(otherSeller, ["/big.jpg", "/small.jpg"]);
    const old = await upload(seller, ["/big.jpg"]);
    await movedBack(old.requestId, 10);
  });

  it("sums the caller's own uploads per day from their counters, with every day of the period", async () => {
    const answer = await getSavings("?days=7");
    expect(answer.status).toBe(200);
    const body = (await expectContract(answer, savings)) as Savings;
    expect(body.days).toHaveLength(7);
    const dates = body.days.map((day) => day.date);
    const todayDate = new Date().toISOString().slice(0, 10);
    expect(dates.at(-1)).toBe(todayDate);
    expect(dates[4]).toBe(new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10));

    const saved = (totals: { bytesIn: number; bytesOut: number }) => totals.bytesIn - totals.bytesOut;
    expect(body.days[6]).toEqual({
      date: todayDate,
      requests: 1,
      bytesIn: today.totals.bytesIn,
      bytesOut: today.totals.bytesOut,
      bytesSaved: saved(today.totals),
    });
    expect(body.days[4]).toMatchObject({
      requests: 2,
      bytesIn: earlier.totals.bytesIn + earlierToo.totals.bytesIn,
      bytesSaved: saved(earlier.totals) + saved(earlierToo.totals),
    });
    for (const index of [0, 1, 2, 3, 5]) expect(body.days[index]).toMatchObject({ requests: 0, bytesSaved: 0 });
    expect(body.totals).toEqual({
      requests: 3,
      bytesIn: today.totals.bytesIn + earlier.totals.bytesIn + earlierToo.totals.bytesIn,
      bytesOut: today.totals.bytesOut + earlier.totals.bytesOut + earlierToo.totals.bytesOut,
      bytesSaved: saved(today.totals) + saved(earlier.totals) + saved(earlierToo.totals),
    });
    expect(body.totals.bytesSaved).toBeGreaterThan(0);
    // A longer period reaches the older upload.
    const month = (await (await getSavings("")).json()) as Savings;
    expect(month.days).toHaveLength(30);
    expect(month.totals.requests).toBe(4);
  });

  it("is private: the other seller sees only theirs, and a caller without an owner nothing", async () => {
    const theirs = (await (await getSavings("?days=1", otherSeller)).json()) as Savings;
    expect(theirs.totals.requests).toBe(1);
    const nobody = (await (await getSavings("?days=3", {})).json()) as Savings;
    expect(nobody.days.map((day) => day.requests)).toEqual([0, 0, 0]);
    expect(nobody.totals).toEqual({ requests: 0, bytesIn: 0, bytesOut: 0, bytesSaved: 0 });
  });

  it("refuses a period out of range with a 400 naming it", async () => {
    for (const days of ["0", "367", "week"]) {
      const answer = await getSavings(`?days=${days}`);
      expect(answer.status).toBe(400);
      const body = (await expectContract(answer, savings)) as { error: string; code: string };
      expect(body).toMatchObject({
        error: `days must be a whole number from 1 to 366 (got "${days}").`,
        code: "bad_request:parameter",
      });
    }
  });
});
