import { existsSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { requests } from "@/db/schema";
import { config } from "@/lib/config";
import { getInlineRunner } from "@/lib/jobs/inline-runner";
import { getStatus, settle, uploadCsv } from "@/test/api";
import { filesFoldersOf } from "@/test/db";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

/**
 * RETENTION_DAYS (30 by default) through the in-process runner's hourly sweep, with the clock handed
 * in: a request is moved into the past, and the sweep is run at moments around its expiry. Clocks in
 * the past keep other test files' requests (they share the PostgreSQL database) out of reach.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
let server: ImageServer;

beforeAll(async () => {
  server = await startImageServer();
  server.route("/photo.jpg", serveBytes(await photoJpeg(160, 120), "image/jpeg"));
});

afterAll(() => server.close());

async function finishedRequest() {
  const response = await uploadCsv(productCsv(["Item", server.url("/photo.jpg")]));
  const { requestId } = await response.json();
  const status = await settle(requestId);
  expect(status.status).toBe("completed");
  return { requestId: requestId as string, status };
}

/** Moves a request's close into the past, as if it had finished `daysAgo` days ago. */
async function closedDaysAgo(requestId: string, daysAgo: number): Promise<Date> {
  const completedAt = new Date(Date.now() - daysAgo * DAY_MS);
  const db = await getDb();
  await db.update(requests).set({ completedAt }).where(eq(requests.id, requestId));
  return completedAt;
}

const storageDir = config.storage.kind === "local" ? config.storage.dir : "";
const filesLeft = (folders: string[]) =>
  folders.filter((folder) => existsSync(path.join(storageDir, ...folder.split("/"))));

describe("retention", () => {
  it("shows when a finished request expires: RETENTION_DAYS after it finished", async () => {
    expect(config.retentionDays).toBe(30);
    const { status } = await finishedRequest();
    expect(status.expiresAt).toBe(new Date(Date.parse(status.completedAt!) + 30 * DAY_MS).toISOString());
  });

  it("has the sweep delete a request once it is past RETENTION_DAYS, files and all, and not before", async () => {
    const { requestId } = await finishedRequest();
    const kept = await finishedRequest();
    const completedAt = await closedDaysAgo(requestId, 40);
    const [folders, keptFolders] = await Promise.all([filesFoldersOf(requestId), filesFoldersOf(kept.requestId)]);
    expect(filesLeft(folders)).toHaveLength(4);

    const runner = getInlineRunner();
    await runner.sweep(new Date(completedAt.getTime() + 30 * DAY_MS - 60_000));
    await runner.idle();
    expect((await getStatus(requestId)).status).toBe(200);

    await runner.sweep(new Date(completedAt.getTime() + 30 * DAY_MS + 60_000));
    await runner.idle();
    expect((await getStatus(requestId)).status).toBe(404);
    expect(filesLeft(folders)).toEqual([]);
    // A request that finished just now is far from its time.
    expect((await getStatus(kept.requestId)).status).toBe(200);
    expect(filesLeft(keptFolders)).toHaveLength(4);
  });

  it("never deletes a request that is not finished", async () => {
    // Held until the sweep has run, so the request is surely processing meanwhile.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const photo = await photoJpeg(160, 120);
    server.route("/held.jpg", async (request, response, hit) => {
      await held;
      serveBytes(photo, "image/jpeg")(request, response, hit);
    });
    const response = await uploadCsv(productCsv(["Item", server.url("/held.jpg")]));
    const { requestId } = await response.json();
    // Even with a close time in the past, a processing request is not the sweep's.
    await closedDaysAgo(requestId, 40);
    const db = await getDb();
    const [row] = await db.select({ status: requests.status }).from(requests).where(eq(requests.id, requestId));
    expect(row.status).toBe("processing");
    await getInlineRunner().sweep(new Date());
    expect((await getStatus(requestId)).status).toBe(200);
    await db.update(requests).set({ completedAt: null }).where(eq(requests.id, requestId));
    release();
    expect((await settle(requestId)).status).toBe("completed");
  });
});
