import "server-only";
import { and, asc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { getDb } from "./client";
import { rowsOf } from "./raw-sql";
import { idempotencyKeys, images, products, type RequestRow, requests } from "./schema";

/**
 * The database side of a request's life after upload: cancel, retry, delete, and what the sweep
 * looks for. Each change is one transaction, guarded by the request's status, so two callers racing
 * (a double click, two instances) change it once.
 */

const FINISHED_STATUSES = ["completed", "failed", "cancelled"] as const;

const CANCELLED_IMAGE_ERROR = "Not processed: the request was cancelled.";

/** What a cancel did: whether every image is now finished, so the request can be closed. */
export type Cancelled = { requestFinished: boolean };

/**
 * Marks a processing request cancelled: its waiting images, and `claimedImageIds` (taken by a runner
 * but not started), become cancelled and counted. Images under way are left to finish. Null when the
 * request is not processing.
 */
export async function cancelRequestRow(requestId: string, claimedImageIds: number[] = []): Promise<Cancelled | null> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [request] = await tx
      .update(requests)
      .set({ status: "cancelled", updatedAt: new Date() })
      .where(and(eq(requests.id, requestId), eq(requests.status, "processing")))
      .returning({ id: requests.id });
    if (!request) return null;
    return cancelImagesOf(tx, requestId, claimedImageIds);
  });
}

/**
 * Cancels more images of a cancelled request: those a runner claimed before it heard of the cancel,
 * or (`"all"`) every unfinished one, when their runs are known to be gone (a restart, the sweep).
 */
export async function cancelLeftoverImages(requestId: string, imageIds: number[] | "all"): Promise<Cancelled> {
  const db = await getDb();
  return cancelImagesOf(db, requestId, imageIds);
}

type Executor = Pick<Awaited<ReturnType<typeof getDb>>, "execute">;

async function cancelImagesOf(db: Executor, requestId: string, claimed: number[] | "all"): Promise<Cancelled> {
  const alsoProcessing =
    claimed === "all" ? sql`true` : sql`image.id = any(${sql.param(claimed.length ? claimed : [0])}::int4[])`;
  const [row] = rowsOf<{ finished: boolean }>(
    await db.execute(sql`
      with cancelled as (
        update ${images} as image set status = 'cancelled', error = ${CANCELLED_IMAGE_ERROR},
          completed_at = now(), updated_at = now()
        where image.request_id = ${requestId}
          and (image.status = 'pending' or (image.status = 'processing' and ${alsoProcessing}))
          and exists (select 1 from ${requests} where id = ${requestId} and status = 'cancelled')
        returning image.id
      )
      update ${requests} as request set
        cancelled_images = request.cancelled_images + (select count(*) from cancelled),
        updated_at = now()
      where request.id = ${requestId} and request.status = 'cancelled'
      returning request.processed_images + request.failed_images + request.cancelled_images
        >= request.total_images and request.completed_at is null as finished`),
  );
  return { requestFinished: row?.finished ?? false };
}

/** Why a retry was refused. */
export type RetryRefusal = "not_found" | "processing" | "nothing_to_retry";

/**
 * Puts a finished request's failed and cancelled images back in line, with fresh attempts, and
 * reopens the request: `processing`, counters without those images, its webhook to be sent again.
 * Returns how many images wait again with the reopened row, or why nothing changed.
 */
export async function retryRequestRow(
  requestId: string,
): Promise<{ images: number; request: RequestRow } | { refused: RetryRefusal }> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    // The row lock taken here makes a second retry at the same moment wait, then find it processing.
    const [request] = await tx
      .select({ status: requests.status, completedAt: requests.completedAt })
      .from(requests)
      .where(eq(requests.id, requestId))
      .for("update");
    if (!request) return { refused: "not_found" as const };
    // A cancelled request is finished once its images under way are back (completedAt set).
    if (request.status === "processing" || !request.completedAt) return { refused: "processing" as const };

    const retried = await tx
      .select({ status: images.status, count: sql<number>`count(*)::int` })
      .from(images)
      .where(and(eq(images.requestId, requestId), inArray(images.status, ["failed", "cancelled"])))
      .groupBy(images.status);
    const countOf = (status: string) => retried.find((row) => row.status === status)?.count ?? 0;
    const failed = countOf("failed");
    const cancelled = countOf("cancelled");
    if (failed + cancelled === 0) return { refused: "nothing_to_retry" as const };

    const now = new Date();
    await tx
      .update(images)
      .set({ status: "pending", attempts: 0, error: null, completedAt: null, updatedAt: now })
      .where(and(eq(images.requestId, requestId), inArray(images.status, ["failed", "cancelled"])));
    const [retriedRequest] = await tx
      .update(requests)
      .set({
        status: "processing",
        failedImages: sql`${requests.failedImages} - ${failed}`,
        cancelledImages: sql`${requests.cancelledImages} - ${cancelled}`,
        error: null,
        completedAt: null,
        webhookStatus: sql`case when ${requests.webhookUrl} is null then null else 'pending'::webhook_status end`,
        webhookAttempts: 0,
        webhookLastError: null,
        webhookDeliveredAt: null,
        updatedAt: now,
      })
      .where(eq(requests.id, requestId))
      .returning();
    return { images: failed + cancelled, request: retriedRequest };
  });
}

/**
 * Removes a request's rows: the request, its products and images, and the idempotency key that would
 * otherwise answer with its id. Returns whether there was such a request.
 */
export async function deleteRequestRows(requestId: string): Promise<boolean> {
  const db = await getDb();
  // Products and images name their request without a foreign key (see db/schema.ts): all go together.
  return db.transaction(async (tx) => {
    await tx.delete(images).where(eq(images.requestId, requestId));
    await tx.delete(products).where(eq(products.requestId, requestId));
    await tx.delete(idempotencyKeys).where(sql`${idempotencyKeys.response} ->> 'requestId' = ${requestId}`);
    const deleted = await tx.delete(requests).where(eq(requests.id, requestId)).returning({ id: requests.id });
    return deleted.length > 0;
  });
}

/** Finished requests closed before `cutoff`, oldest first: what retention removes. */
export async function listExpiredRequestIds(cutoff: Date, limit: number): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: requests.id })
    .from(requests)
    .where(and(inArray(requests.status, [...FINISHED_STATUSES]), lt(requests.completedAt, cutoff)))
    .orderBy(asc(requests.completedAt))
    .limit(limit);
  return rows.map((row) => row.id);
}

export type StalledRequest = Pick<RequestRow, "id" | "owner" | "clientKey"> & { status: "processing" | "cancelled" };

/**
 * Requests nothing has happened to since `before`: processing ones with images still waiting (their
 * runs were lost), and cancelled ones whose images under way never came back.
 */
export async function listStalledRequests(before: Date): Promise<StalledRequest[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: requests.id, status: requests.status, owner: requests.owner, clientKey: requests.clientKey })
    .from(requests)
    .where(
      and(
        inArray(requests.status, ["processing", "cancelled"]),
        isNull(requests.completedAt),
        lt(requests.updatedAt, before),
        sql`${requests.processedImages} + ${requests.failedImages} + ${requests.cancelledImages} < ${requests.totalImages}`,
      ),
    );
  return rows as StalledRequest[];
}

/** Marks that the sweep sent a request's work again, so the next sweep waits as long before doing so. */
export async function touchRequest(requestId: string) {
  const db = await getDb();
  await db.update(requests).set({ updatedAt: new Date() }).where(eq(requests.id, requestId));
}

/** Cancelled requests not yet closed: at start-up their images under way are known to be gone. */
export async function listUnclosedCancelledRequestIds(): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: requests.id })
    .from(requests)
    .where(and(eq(requests.status, "cancelled"), isNull(requests.completedAt)));
  return rows.map((row) => row.id);
}
