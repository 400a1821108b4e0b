import "server-only";
import {
  and,
  asc,
  count,
  desc,
  eq,
  getTableColumns,
  getTableName,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { logger } from "@/lib/logger";
import { type Database, getDb } from "./client";
import { asText, rowsOf } from "./raw-sql";
import { type EarlierOutput, findEarlierDownloads } from "./earlier-outputs";
import {
  apiKeys,
  type ApiKeyRow,
  idempotencyKeys,
  images,
  products,
  requests,
  sessions,
  workspaces,
  type ImageRow,
  type RequestRow,
  type WorkspaceRow,
} from "./schema";

/** Every database operation of the service, one function each. Callers never build SQL. */

export type NewRequest = Pick<
  RequestRow,
  | "id"
  | "filesId"
  | "owner"
  | "clientKey"
  | "fileName"
  | "inputCsvKey"
  | "inputCsvUrl"
  | "quality"
  | "outputFormat"
  | "maxWidth"
  | "maxHeight"
  | "totalProducts"
  | "totalImages"
  | "webhookUrl"
  | "webhookSecret"
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
 * Rows per insert statement. PGlite runs one statement at a time: 10,000 rows take about a tenth of
 * a second, short enough for other connections' statements (status, the runner) to run in between.
 */
const ROWS_PER_STATEMENT = 10_000;

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
      const chunk = imageUrls.slice(start, start + ROWS_PER_STATEMENT);
      await tx.execute(sql`
        insert into ${images} (request_id, position, url)
        select ${request.id}, ${start} + ordinality - 1, url
        from unnest(${sql.param(chunk)}::text[]) with ordinality as image(url, ordinality)`);
    }
  });
  // Not waited for: the statistics matter from the first claim on, which comes after it (PGlite runs
  // statements in order; PostgreSQL's first claim or two may still plan with the old ones).
  void analyzeIfStale(db, imageUrls.length).catch((error) =>
    logger.warn({ err: error }, "analyzing the images table after a large upload failed"),
  );
}

/** Below this many images, a misjudged plan costs little: statistics are left to the usual upkeep. */
const ANALYZE_FROM_IMAGES = 1_000;

/**
 * Brings the statistics of the images and products tables up to date when this upload alone grew
 * them by more than a tenth (autovacuum's own rule, applied at once rather than up to a minute later,
 * or never on PGlite): with statistics from a nearly empty table, the planner takes a new
 * 50,000-image request for a few rows and reads all of its remaining images to claim each page of
 * them (14 ms a page instead of 4 on PGlite). ANALYZE reads a sample of fixed size.
 */
async function analyzeIfStale(db: Database, added: number) {
  if (added < ANALYZE_FROM_IMAGES) return;
  const [{ rows }] = rowsOf<{ rows: number }>(
    await db.execute(
      sql`select reltuples::float8 as rows from pg_class where oid = to_regclass(${getTableName(images)})`,
    ),
  );
  if (added > 0.1 * Math.max(rows, 0)) await db.execute(sql`analyze ${images}, ${products}`);
}

export async function findRequest(requestId: string): Promise<RequestRow | null> {
  const db = await getDb();
  const [row] = await db.select().from(requests).where(eq(requests.id, requestId));
  return row ?? null;
}

/**
 * The owner of the request whose files are kept in `folder`: null when it has none, undefined when no
 * request keeps files there. Requests stored before files had folders of their own kept them under
 * their id.
 */
export async function findFilesOwner(folder: string): Promise<string | null | undefined> {
  const db = await getDb();
  const [row] = await db
    .select({ owner: requests.owner })
    .from(requests)
    .where(or(eq(requests.filesId, folder), eq(requests.id, folder)));
  return row?.owner;
}

/** One owner's requests, newest first. */
export async function listRecentRequests({ owner, limit, offset }: { owner: string; limit: number; offset: number }) {
  const db = await getDb();
  const [rows, [{ total }]] = await Promise.all([
    db
      .select()
      .from(requests)
      .where(eq(requests.owner, owner))
      .orderBy(desc(requests.createdAt), desc(requests.id))
      .limit(limit)
      .offset(offset),
    db.select({ total: count() }).from(requests).where(eq(requests.owner, owner)),
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

/** Requests whose every image is counted but that were never closed (a crash between the two, a cancel). */
export async function listRequestsAwaitingFinish(): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: requests.id })
    .from(requests)
    .where(
      and(
        inArray(requests.status, ["processing", "cancelled"]),
        isNull(requests.completedAt),
        sql`${requests.processedImages} + ${requests.failedImages} + ${requests.cancelledImages} >= ${requests.totalImages}`,
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
        inArray(requests.status, ["completed", "failed", "cancelled"]),
        isNotNull(requests.completedAt),
        eq(requests.webhookStatus, "pending"),
        isNotNull(requests.webhookUrl),
      ),
    );
  return rows.map((row) => row.id);
}

/**
 * An image taken for work, with what its request asks of it, whose it is, and the owner's earlier
 * download of its URL with the same options (a conditional download may reuse it).
 */
export type ClaimedImage = ImageRow &
  Pick<RequestRow, "filesId" | "quality" | "outputFormat" | "maxWidth" | "maxHeight" | "owner"> & {
    earlier: EarlierOutput | null;
  };

/**
 * Takes a request's next waiting images, in position order after `afterPosition`, for work: marked
 * processing and their attempt counted, in one statement. Only a processing request's images are
 * taken, and only those waiting: "processing" ones are some worker's (see `releaseAbandonedImages`).
 */
export async function claimRequestImages({
  requestId,
  afterPosition,
  limit,
}: {
  requestId: string;
  afterPosition: number;
  limit: number;
}): Promise<ClaimedImage[]> {
  const db = await getDb();
  const next = db
    .select({ id: images.id })
    .from(images)
    .where(and(eq(images.requestId, requestId), gt(images.position, afterPosition), eq(images.status, "pending")))
    .orderBy(asc(images.position))
    .limit(limit);
  return claim(db, inArray(images.id, next));
}

/**
 * Puts back in line the images a previous process was working on when it stopped (a crash): their
 * attempts stay counted, so an image that crashes the server every time is given up on.
 */
export async function releaseAbandonedImages(): Promise<number> {
  const db = await getDb();
  const released = await db
    .update(images)
    .set({ status: "pending", updatedAt: new Date() })
    .where(eq(images.status, "processing"))
    .returning({ id: images.id });
  return released.length;
}

/** Requests still being processed, oldest first: what a runner resumes at start-up. */
export async function listProcessingRequestIds(): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: requests.id })
    .from(requests)
    .where(eq(requests.status, "processing"))
    .orderBy(asc(requests.createdAt));
  return rows.map((row) => row.id);
}

/**
 * Takes the given images for work (a retry that is due, Inngest's one image), whether waiting or left
 * "processing" by an attempt that never came back; finished ones are left.
 */
export async function claimImages(imageIds: number[]): Promise<ClaimedImage[]> {
  if (imageIds.length === 0) return [];
  const db = await getDb();
  return claim(db, sql`${images.id} = any(${sql.param(imageIds)}::int4[])`);
}

async function claim(db: Database, which: SQL | undefined): Promise<ClaimedImage[]> {
  // One statement: the images marked, and what their request asks of them.
  const claimed = await db
    .update(images)
    .set({ status: "processing", attempts: sql`${images.attempts} + 1`, updatedAt: new Date() })
    .from(requests)
    .where(
      and(
        which,
        inArray(images.status, ["pending", "processing"]),
        eq(requests.id, images.requestId),
        eq(requests.status, "processing"),
      ),
    )
    .returning({
      ...getTableColumns(images),
      filesId: requests.filesId,
      quality: requests.quality,
      outputFormat: requests.outputFormat,
      maxWidth: requests.maxWidth,
      maxHeight: requests.maxHeight,
      owner: requests.owner,
    });
  // The images are claimed already: a failed lookup only means no conditional download this time.
  const earlier = await findEarlierDownloads(claimed).catch(() => new Map<(typeof claimed)[number], null>());
  return claimed
    .map((image) => ({ ...image, earlier: earlier.get(image) ?? null }))
    .sort((a, b) => a.position - b.position);
}

export type ImageRelease = {
  imageId: number;
  /** Shown while the image waits (the transient problem it will be retried for). */
  error: string | null;
  /** The attempt never got under way (a shutdown): it does not count against the image. */
  uncount: boolean;
};

/** Puts images back in line: to be retried after a transient failure, or left for the next start. */
export async function releaseImages(releases: ImageRelease[]) {
  if (releases.length === 0) return;
  const db = await getDb();
  await db.execute(sql`
    update ${images} as image set
      status = 'pending',
      error = coalesce(release.error, image.error),
      attempts = greatest(0, image.attempts - case when release.uncount then 1 else 0 end),
      updated_at = now()
    from unnest(
      ${sql.param(releases.map((release) => release.imageId))}::int4[],
      ${sql.param(releases.map((release) => release.error))}::text[],
      ${asText(releases.map((release) => release.uncount))}::text[]::bool[]
    ) as release(id, error, uncount)
    where image.id = release.id and image.status in ('pending', 'processing')`);
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
  /** Copied from an earlier image instead of compressed. */
  reused: boolean;
  outputFingerprint: string;
  sourceEtag: string | null;
  sourceLastModified: string | null;
};

export type ImageOutcome = { imageId: number } & ({ ok: true; result: ImageResult } | { ok: false; error: string });

/** What recording an outcome did: `counted` once per image ever; `requestFinished` for its request's last. */
export type CountedOutcome = { imageId: number; requestId: string; counted: boolean; requestFinished: boolean };

/**
 * Records images' final states and counts them on their requests, in one statement for many images.
 * The status guard counts an image once, whatever repeats it (a retry, a duplicate event, a restart);
 * the counter update says which statement finished a request, so exactly one caller finishes it.
 */
export async function recordImageOutcomes(outcomes: ImageOutcome[]): Promise<CountedOutcome[]> {
  if (outcomes.length === 0) return [];
  const db = await getDb();
  const column = <T extends string | number | boolean | null>(pick: (result: ImageResult) => T) =>
    asText(outcomes.map((outcome) => (outcome.ok ? pick(outcome.result) : null)));
  const rows = rowsOf<{ id: number; request_id: string; counted: boolean; request_finished: boolean }>(
    await db.execute(sql`
      with outcome as (
        select * from unnest(
          ${sql.param(outcomes.map((outcome) => outcome.imageId))}::int4[],
          ${asText(outcomes.map((outcome) => outcome.ok))}::text[]::bool[],
          ${sql.param(outcomes.map((outcome) => (outcome.ok ? null : outcome.error)))}::text[],
          ${column((result) => result.outputKey)}::text[],
          ${column((result) => result.thumbnailKey)}::text[],
          ${column((result) => result.format)}::text[],
          ${column((result) => result.width)}::text[]::int4[],
          ${column((result) => result.height)}::text[]::int4[],
          ${column((result) => result.bytesIn)}::text[]::int4[],
          ${column((result) => result.bytesOut)}::text[]::int4[],
          ${column((result) => result.optimized)}::text[]::bool[],
          ${column((result) => result.reused)}::text[]::bool[],
          ${column((result) => result.outputFingerprint)}::text[],
          ${column((result) => result.sourceEtag)}::text[],
          ${column((result) => result.sourceLastModified)}::text[]
        ) as o(id, ok, error, output_key, thumbnail_key, format, width, height, bytes_in, bytes_out, optimized,
          reused, output_fingerprint, source_etag, source_last_modified)
      ),
      finished as (
        update ${images} as image set
          status = (case when o.ok then 'completed' else 'failed' end)::image_status,
          error = o.error, output_key = o.output_key, thumbnail_key = o.thumbnail_key, format = o.format,
          width = o.width, height = o.height, bytes_in = o.bytes_in, bytes_out = o.bytes_out,
          optimized = o.optimized, reused = coalesce(o.reused, false), output_fingerprint = o.output_fingerprint,
          source_etag = o.source_etag, source_last_modified = o.source_last_modified,
          completed_at = now(), updated_at = now()
        from outcome as o
        where image.id = o.id and image.status in ('pending', 'processing')
        returning image.id, image.request_id, o.ok, coalesce(o.reused, false) as reused,
          coalesce(o.bytes_in, 0) as bytes_in, coalesce(o.bytes_out, 0) as bytes_out
      ),
      totals as (
        select request_id,
          count(*) filter (where ok) as processed,
          count(*) filter (where not ok) as failed,
          count(*) filter (where reused) as reused,
          coalesce(sum(bytes_in), 0) as bytes_in,
          coalesce(sum(bytes_out), 0) as bytes_out
        from finished group by request_id
      ),
      counted as (
        update ${requests} as request set
          processed_images = request.processed_images + totals.processed,
          failed_images = request.failed_images + totals.failed,
          reused_images = request.reused_images + totals.reused,
          bytes_in = request.bytes_in + totals.bytes_in,
          bytes_out = request.bytes_out + totals.bytes_out,
          updated_at = now()
        from totals
        where request.id = totals.request_id
        returning request.id,
          request.processed_images + request.failed_images + request.cancelled_images >= request.total_images
            and request.completed_at is null as finished
      )
      select o.id, image.request_id, finished.id is not null as counted, coalesce(counted.finished, false) as request_finished
      from outcome as o
      join ${images} as image on image.id = o.id
      left join finished on finished.id = o.id
      left join counted on counted.id = image.request_id`),
  );
  return rows.map((row) => ({
    imageId: row.id,
    requestId: row.request_id,
    counted: row.counted,
    requestFinished: row.request_finished,
  }));
}

/** Closes a request; only the first call changes anything. Returns whether this call closed it. */
export async function closeRequest({
  requestId,
  status,
  outputCsvKey,
  error,
}: {
  requestId: string;
  status: "completed" | "failed" | "cancelled";
  outputCsvKey: string | null;
  error: string | null;
}) {
  const db = await getDb();
  const now = new Date();
  const rows = await db
    .update(requests)
    .set({ status, outputCsvKey, error, completedAt: now, updatedAt: now })
    .where(
      and(
        eq(requests.id, requestId),
        inArray(requests.status, ["processing", "cancelled"]),
        isNull(requests.completedAt),
        // A stale finisher never closes a request reopened by a retry while its images wait.
        sql`${requests.processedImages} + ${requests.failedImages} + ${requests.cancelledImages} >= ${requests.totalImages}`,
      ),
    )
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

export async function findWorkspaceByName(name: string): Promise<WorkspaceRow | null> {
  const db = await getDb();
  const [row] = await db.select().from(workspaces).where(eq(workspaces.name, name));
  return row ?? null;
}

export async function findWorkspace(id: string): Promise<WorkspaceRow | null> {
  const db = await getDb();
  const [row] = await db.select().from(workspaces).where(eq(workspaces.id, id));
  return row ?? null;
}

/** Creates a workspace unless one of that name exists; either way returns it. */
export async function ensureWorkspace(workspace: Pick<WorkspaceRow, "id" | "name" | "webhookSecret">) {
  const db = await getDb();
  await db.insert(workspaces).values(workspace).onConflictDoNothing({ target: workspaces.name });
  return (await findWorkspaceByName(workspace.name))!;
}

export async function insertApiKey(key: Pick<ApiKeyRow, "workspaceId" | "prefix" | "hash" | "name">) {
  const db = await getDb();
  const [row] = await db.insert(apiKeys).values(key).returning();
  return row;
}

/** A key by its prefix, with its workspace; revoked keys too (the caller decides). */
export async function findApiKey(prefix: string) {
  const db = await getDb();
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix));
  return row ?? null;
}

export async function findApiKeyById(id: number) {
  const db = await getDb();
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  return row ?? null;
}

/**
 * Starts a dashboard session. Sessions that have ended or expired are forgotten on the way: they can
 * never be used again, and signing in is rare enough to carry that work.
 */
export async function startSession(session: { id: string; workspaceId: string; keyId: number; expiresAt: Date }) {
  const db = await getDb();
  const now = new Date();
  await db.delete(sessions).where(or(lt(sessions.expiresAt, now), lt(sessions.endedAt, now)));
  await db.insert(sessions).values(session);
}

/** A session that has not ended or expired, signed in with a key that is not revoked. */
export async function findLiveSession(id: string): Promise<{ workspaceId: string; keyId: number } | null> {
  const db = await getDb();
  const [row] = await db
    .select({ workspaceId: sessions.workspaceId, keyId: sessions.keyId })
    .from(sessions)
    .innerJoin(apiKeys, eq(apiKeys.id, sessions.keyId))
    .where(
      and(eq(sessions.id, id), isNull(sessions.endedAt), gt(sessions.expiresAt, new Date()), isNull(apiKeys.revokedAt)),
    );
  return row ?? null;
}

/** Ends a session (signing out): the cookie that names it opens nothing any more. */
export async function endSession(id: string) {
  const db = await getDb();
  await db
    .update(sessions)
    .set({ endedAt: new Date() })
    .where(and(eq(sessions.id, id), isNull(sessions.endedAt)));
}

/** Notes a key's use; at most once a minute, so a busy client does not write on every call. */
export async function touchApiKey(id: number) {
  const db = await getDb();
  await db
    .update(apiKeys)
    .set({ lastUsedAt: new Date() })
    .where(
      and(
        eq(apiKeys.id, id),
        sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < now() - interval '1 minute')`,
      ),
    );
}

/** Keys of one workspace, or of all, newest first, with their workspace's name. */
export async function listApiKeys(workspaceId?: string) {
  const db = await getDb();
  return db
    .select({
      prefix: apiKeys.prefix,
      name: apiKeys.name,
      workspace: workspaces.name,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
    .where(workspaceId ? eq(apiKeys.workspaceId, workspaceId) : undefined)
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** Ends a key at once; with `workspaceId`, only that workspace's. Returns whether a key was revoked. */
export async function revokeApiKey({ prefix, workspaceId }: { prefix: string; workspaceId?: string }) {
  const db = await getDb();
  const revoked = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiKeys.prefix, prefix),
        sql`${apiKeys.revokedAt} is null`,
        workspaceId ? eq(apiKeys.workspaceId, workspaceId) : undefined,
      ),
    )
    .returning({ id: apiKeys.id });
  return revoked.length > 0;
}

/** Requests of one client still processing: the limit on requests at once. */
export async function countProcessingRequests(clientKey: string): Promise<number> {
  const db = await getDb();
  const [row] = await db
    .select({ count: count() })
    .from(requests)
    .where(and(eq(requests.clientKey, clientKey), eq(requests.status, "processing")));
  return row.count;
}

/**
 * Takes an idempotency key for an upload about to be accepted. Returns null when the key was free
 * (the caller goes on), else the row already there. A row older than `maxAgeMs` is replaced.
 */
export async function claimIdempotencyKey({
  scope,
  key,
  fingerprint,
  maxAgeMs,
}: {
  scope: string;
  key: string;
  fingerprint: string;
  maxAgeMs: number;
}) {
  const db = await getDb();
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.scope, scope),
        eq(idempotencyKeys.key, key),
        sql`${idempotencyKeys.createdAt} < now() - make_interval(secs => ${maxAgeMs / 1000})`,
      ),
    );
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ scope, key, fingerprint })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return null;
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return row ?? null;
}

export async function findIdempotencyKey({ scope, key }: { scope: string; key: string }) {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return row ?? null;
}

export async function saveIdempotentResponse({
  scope,
  key,
  response,
}: {
  scope: string;
  key: string;
  response: Record<string, unknown>;
}) {
  const db = await getDb();
  await db
    .update(idempotencyKeys)
    .set({ response })
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

/** Frees a key whose upload was refused or failed: the client may try again with it. */
export async function releaseIdempotencyKey({ scope, key }: { scope: string; key: string }) {
  const db = await getDb();
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}
