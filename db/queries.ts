import "server-only";
import { and, asc, count, desc, eq, gt, inArray, isNotNull, sql } from "drizzle-orm";
import { getDb } from "./client";
import { images, products, requests, type ImageRow, type RequestRow } from "./schema";

/** Every database operation of the service, one function each. Callers never build SQL. */

export type NewRequest = Pick<
  RequestRow,
  "id" | "fileName" | "inputCsvKey" | "inputCsvUrl" | "quality" | "totalProducts" | "totalImages" | "webhookUrl"
>;
export type NewProduct = {
  position: number;
  rowNumber: number;
  serialNumber: string;
  productName: string;
  inputUrlsCell: string;
  /** The row's images by their position in `imageUrls` of the same request. */
  imagePositions: number[];
};

/**
 * Rows per insert statement. PGlite runs a statement on the server's main thread: 10,000 rows take
 * about a tenth of a second there, short enough for other requests to be answered in between.
 */
const ROWS_PER_STATEMENT = 10_000;

/** PGlite answers through promises alone: without a macrotask in between, nothing else would run. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Stores a request with its products and distinct images in one transaction: all or nothing. An
 * image's position is its index in `imageUrls`; products name their images by position. Rows
 * go in as whole columns (`unnest` of one array per column), so 50,000 images are one statement
 * with a handful of parameters, not 50,000 inserts.
 */
export async function insertRequest({
  request,
  productRows,
  imageUrls,
}: {
  request: NewRequest;
  productRows: NewProduct[];
  imageUrls: string[];
}) {
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx.insert(requests).values({ ...request, webhookStatus: request.webhookUrl ? "pending" : null });
    const column = <T>(pick: (row: NewProduct) => T) => sql.param(productRows.map(pick));
    await tx.execute(sql`
      insert into ${products} (request_id, position, row_number, serial_number, product_name, input_urls_cell, image_positions)
      select ${request.id}, position, row_number, serial_number, product_name, input_urls_cell, image_positions::int4[]
      from unnest(
        ${column((row) => row.position)}::int4[],
        ${column((row) => row.rowNumber)}::int4[],
        ${column((row) => row.serialNumber)}::text[],
        ${column((row) => row.productName)}::text[],
        ${column((row) => row.inputUrlsCell)}::text[],
        ${column((row) => `{${row.imagePositions.join(",")}}`)}::text[]
      ) as row(position, row_number, serial_number, product_name, input_urls_cell, image_positions)`);
    for (let start = 0; start < imageUrls.length; start += ROWS_PER_STATEMENT) {
      await yieldToEventLoop();
      const chunk = imageUrls.slice(start, start + ROWS_PER_STATEMENT);
      await tx.execute(sql`
        insert into ${images} (request_id, position, url)
        select ${request.id}, ${start} + ordinality - 1, url
        from unnest(${sql.param(chunk)}::text[]) with ordinality as image(url, ordinality)`);
    }
  });
}

export async function findRequest(requestId: string): Promise<RequestRow | null> {
  const db = await getDb();
  const [row] = await db.select().from(requests).where(eq(requests.id, requestId));
  return row ?? null;
}

export async function listRecentRequests({ limit, offset }: { limit: number; offset: number }) {
  const db = await getDb();
  const [rows, [{ total }]] = await Promise.all([
    db.select().from(requests).orderBy(desc(requests.createdAt), desc(requests.id)).limit(limit).offset(offset),
    db.select({ total: count() }).from(requests),
  ]);
  return { rows, total };
}

export async function listProducts({ requestId, limit, offset }: { requestId: string; limit: number; offset: number }) {
  const db = await getDb();
  return db
    .select()
    .from(products)
    .where(eq(products.requestId, requestId))
    .orderBy(asc(products.position))
    .limit(limit)
    .offset(offset);
}

/** A request's images at the given positions, by position. */
export async function findImagesByPosition({
  requestId,
  positions,
}: {
  requestId: string;
  positions: number[];
}): Promise<Map<number, ImageRow>> {
  const byPosition = new Map<number, ImageRow>();
  if (positions.length === 0) return byPosition;
  const db = await getDb();
  const rows = await db
    .select()
    .from(images)
    .where(
      and(
        eq(images.requestId, requestId),
        sql`${images.position} = any(${sql.param([...new Set(positions)])}::int4[])`,
      ),
    );
  for (const row of rows) byPosition.set(row.position, row);
  return byPosition;
}

/** Images not yet finished, in id order: what a runner must (re)start. `afterImageId` and `limit` page through them. */
export async function listUnfinishedImageIds({
  requestId,
  afterImageId = 0,
  limit,
}: { requestId?: string; afterImageId?: number; limit?: number } = {}): Promise<number[]> {
  const db = await getDb();
  const query = db
    .select({ id: images.id })
    .from(images)
    .innerJoin(requests, eq(requests.id, images.requestId))
    .where(
      and(
        inArray(images.status, ["pending", "processing"]),
        eq(requests.status, "processing"),
        gt(images.id, afterImageId),
        requestId ? eq(images.requestId, requestId) : undefined,
      ),
    )
    .orderBy(asc(images.id));
  const rows = limit ? await query.limit(limit) : await query;
  return rows.map((row) => row.id);
}

/** Requests whose every image is counted but that were never closed (a crash between the two). */
export async function listRequestsAwaitingFinish(): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: requests.id })
    .from(requests)
    .where(
      and(
        eq(requests.status, "processing"),
        sql`${requests.processedImages} + ${requests.failedImages} >= ${requests.totalImages}`,
      ),
    );
  return rows.map((row) => row.id);
}

export async function listRequestsAwaitingWebhook(): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: requests.id })
    .from(requests)
    .where(
      and(
        inArray(requests.status, ["completed", "failed"]),
        eq(requests.webhookStatus, "pending"),
        isNotNull(requests.webhookUrl),
      ),
    );
  return rows.map((row) => row.id);
}

/** Marks an image as being worked on and counts the attempt. Null when it is already finished. */
export async function startImageAttempt(imageId: number) {
  const db = await getDb();
  const [row] = await db
    .update(images)
    .set({ status: "processing", attempts: sql`${images.attempts} + 1`, updatedAt: new Date() })
    .where(and(eq(images.id, imageId), inArray(images.status, ["pending", "processing"])))
    .returning();
  if (!row) return null;
  const [request] = await db
    .select({ quality: requests.quality, status: requests.status })
    .from(requests)
    .where(eq(requests.id, row.requestId));
  return { image: row, quality: request.quality, requestStatus: request.status };
}

/** Puts an image back in line after a transient failure; the error stays visible meanwhile. */
export async function releaseImageForRetry({ imageId, error }: { imageId: number; error: string }) {
  const db = await getDb();
  await db
    .update(images)
    .set({ status: "pending", error, updatedAt: new Date() })
    .where(and(eq(images.id, imageId), inArray(images.status, ["pending", "processing"])));
}

export type ImageResult = {
  outputKey: string;
  thumbnailKey: string | null;
  format: string;
  width: number;
  height: number;
  bytesIn: number;
  bytesOut: number;
  optimized: boolean;
};

export type CountedImage = { counted: boolean; requestId: string; finished: boolean };

/**
 * Records an image's final state and counts it on its request, once: the status guard makes a
 * second completion of the same image (a retry, a duplicate event) a no-op. The counter update
 * tells whether this image was the request's last, so exactly one caller finishes the request.
 */
export async function recordImageOutcome(
  imageId: number,
  outcome: { ok: true; result: ImageResult } | { ok: false; error: string },
): Promise<CountedImage | null> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const now = new Date();
    const [image] = await tx
      .update(images)
      .set(
        outcome.ok
          ? { ...outcome.result, status: "completed", error: null, completedAt: now, updatedAt: now }
          : { status: "failed", error: outcome.error, completedAt: now, updatedAt: now },
      )
      .where(and(eq(images.id, imageId), inArray(images.status, ["pending", "processing"])))
      .returning({ requestId: images.requestId });
    if (!image) {
      const existing = await tx.select({ requestId: images.requestId }).from(images).where(eq(images.id, imageId));
      return existing[0] ? { counted: false, requestId: existing[0].requestId, finished: false } : null;
    }
    const [counters] = await tx
      .update(requests)
      .set(
        outcome.ok
          ? {
              processedImages: sql`${requests.processedImages} + 1`,
              bytesIn: sql`${requests.bytesIn} + ${outcome.result.bytesIn}`,
              bytesOut: sql`${requests.bytesOut} + ${outcome.result.bytesOut}`,
              updatedAt: now,
            }
          : { failedImages: sql`${requests.failedImages} + 1`, updatedAt: now },
      )
      .where(eq(requests.id, image.requestId))
      .returning({ processed: requests.processedImages, failed: requests.failedImages, total: requests.totalImages });
    return {
      counted: true,
      requestId: image.requestId,
      finished: counters.processed + counters.failed >= counters.total,
    };
  });
}

/** Removes a request that could not be fully accepted, so a failed upload leaves nothing behind. */
export async function deleteRequest(requestId: string) {
  const db = await getDb();
  // Products and images name their request without a foreign key (see db/schema.ts): all three go together.
  await db.transaction(async (tx) => {
    await tx.delete(images).where(eq(images.requestId, requestId));
    await tx.delete(products).where(eq(products.requestId, requestId));
    await tx.delete(requests).where(eq(requests.id, requestId));
  });
}

/** Closes a request; only the first call changes anything. Returns whether this call closed it. */
export async function closeRequest({
  requestId,
  status,
  outputCsvKey,
  error,
}: {
  requestId: string;
  status: "completed" | "failed";
  outputCsvKey: string | null;
  error: string | null;
}) {
  const db = await getDb();
  const now = new Date();
  const rows = await db
    .update(requests)
    .set({ status, outputCsvKey, error, completedAt: now, updatedAt: now })
    .where(and(eq(requests.id, requestId), eq(requests.status, "processing")))
    .returning({ id: requests.id });
  return rows.length > 0;
}

export async function recordWebhookAttempt({
  requestId,
  delivered,
  finalFailure,
  error,
}: {
  requestId: string;
  delivered: boolean;
  finalFailure: boolean;
  error: string | null;
}) {
  const db = await getDb();
  const now = new Date();
  const [row] = await db
    .update(requests)
    .set({
      webhookAttempts: sql`${requests.webhookAttempts} + 1`,
      webhookStatus: delivered ? "delivered" : finalFailure ? "failed" : "pending",
      webhookLastError: error,
      webhookDeliveredAt: delivered ? now : null,
      updatedAt: now,
    })
    .where(and(eq(requests.id, requestId), eq(requests.webhookStatus, "pending")))
    .returning({ attempts: requests.webhookAttempts });
  return row?.attempts ?? null;
}

/** A cheap round trip for the health check. */
export async function pingDatabase() {
  const db = await getDb();
  await db.select({ one: sql<number>`1` }).from(sql`(select 1) as ping`);
}

/** Requests per status, for the metrics scrape. */
export async function countRequestsByStatus(): Promise<{ status: RequestRow["status"]; count: number }[]> {
  const db = await getDb();
  return db
    .select({ status: requests.status, count: sql<number>`count(*)::int` })
    .from(requests)
    .groupBy(requests.status);
}

/** Images of processing requests not yet finished (waiting or being worked on), for the metrics scrape. */
export async function countUnfinishedImages(): Promise<number> {
  const db = await getDb();
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(images)
    .innerJoin(requests, eq(requests.id, images.requestId))
    .where(and(inArray(images.status, ["pending", "processing"]), eq(requests.status, "processing")));
  return row.count;
}
