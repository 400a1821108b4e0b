import "server-only";
import { and, asc, eq, getTableColumns, gt, inArray, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { type Database, getDb } from "./client";
import { asText, rowsOf } from "./raw-sql";
import { type EarlierOutput, findEarlierDownloads } from "./earlier-outputs";
import { failedResult, type ImageResult, resultColumns } from "./image-results";
import { images, requests, type ImageRow, type RequestRow } from "./schema";

/**
 * A request's distinct images: claimed for work, put back, their outcomes recorded and counted on
 * their request.
 */

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

/**
 * An image taken for work, with what its request asks of it, whose it is, and the owner's earlier
 * download of its URL with the same options (a conditional download may reuse it).
 */
export type ClaimedImage = ImageRow &
  Pick<RequestRow, "filesId" | "quality" | "outputFormat" | "maxWidth" | "maxHeight" | "maxBytes" | "owner"> & {
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
      maxBytes: requests.maxBytes,
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
  const fields = Object.entries(resultColumns) as [keyof ImageResult, PgColumn][];
  // One array parameter per column, each cast back to the column's type.
  const resultArrays = fields.map(([field, column]) => {
    const values = outcomes.map((outcome) => (outcome.ok ? outcome.result[field] : (failedResult[field] ?? null)));
    return sql`${asText(values)}::text[]::${sql.raw(column.getSQLType())}[]`;
  });
  const names = fields.map(([, column]) => column.name);
  const rows = rowsOf<{ id: number; request_id: string; counted: boolean; request_finished: boolean }>(
    await db.execute(sql`
      with outcome as (
        select * from unnest(
          ${sql.param(outcomes.map((outcome) => outcome.imageId))}::int4[],
          ${asText(outcomes.map((outcome) => outcome.ok))}::text[]::bool[],
          ${sql.param(outcomes.map((outcome) => (outcome.ok ? null : outcome.error)))}::text[],
          ${sql.join(resultArrays, sql`, `)}
        ) as o(id, ok, error, ${sql.raw(names.join(", "))})
      ),
      finished as (
        update ${images} as image set
          status = (case when o.ok then 'completed' else 'failed' end)::image_status,
          error = o.error, ${sql.raw(names.map((name) => `${name} = o.${name}`).join(", "))},
          completed_at = now(), updated_at = now()
        from outcome as o
        where image.id = o.id and image.status in ('pending', 'processing')
        returning image.id, image.request_id, o.ok, o.reused,
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

/** A page of a request's images in one state other than waiting, in position order (the status index). */
export async function listImagesInState({
  requestId,
  status,
  limit,
  offset,
}: {
  requestId: string;
  status: Exclude<ImageRow["status"], "pending">;
  limit: number;
  offset: number;
}): Promise<ImageRow[]> {
  const db = await getDb();
  return db
    .select()
    .from(images)
    .where(and(eq(images.requestId, requestId), eq(images.status, status), sql`${images.status} <> 'pending'`))
    .orderBy(asc(images.position))
    .limit(limit)
    .offset(offset);
}

/**
 * How a request is moving: its images under way, and how many finished (compressed or failed) within
 * the last minute, at most `sampleLimit` of them, with how long ago the oldest of those finished.
 * Both read only index entries of the request's images in those states, never its waiting ones.
 */
export async function measureImageActivity({
  requestId,
  sampleLimit,
}: {
  requestId: string;
  sampleLimit: number;
}): Promise<{ working: number; finished: number; oldestSeconds: number | null; now: Date }> {
  const db = await getDb();
  const [row] = rowsOf<{ working: number; finished: number; oldest_seconds: number | null; now: string | Date }>(
    await db.execute(sql`
      select
        (select count(*)::int from ${images}
          where request_id = ${requestId} and status = 'processing' and status <> 'pending') as working,
        count(*)::int as finished,
        extract(epoch from now() - min(recent.completed_at))::float8 as oldest_seconds,
        now() as now
      from (
        select completed_at from ${images}
        where request_id = ${requestId} and status in ('completed', 'failed')
          and completed_at > now() - interval '60 seconds'
        order by completed_at desc
        limit ${sampleLimit}
      ) as recent`),
  );
  return {
    working: row.working,
    finished: row.finished,
    oldestSeconds: row.oldest_seconds === null ? null : Number(row.oldest_seconds),
    now: new Date(row.now),
  };
}

/**
 * For each fingerprint, the position of the first image of this request that finished with it: a
 * reused image whose first twin is another image of the same request copied that twin's output.
 */
export async function findFirstTwins({
  requestId,
  fingerprints,
}: {
  requestId: string;
  fingerprints: string[];
}): Promise<Map<string, number>> {
  const first = new Map<string, number>();
  if (fingerprints.length === 0) return first;
  const db = await getDb();
  // By the fingerprint index, whose condition this repeats.
  const rows = rowsOf<{ fingerprint: string; position: number }>(
    await db.execute(sql`
      select distinct on (output_fingerprint) output_fingerprint as fingerprint, position from ${images}
      where output_fingerprint = any(${sql.param([...new Set(fingerprints)])}::text[])
        and status = 'completed' and output_key is not null and request_id = ${requestId}
      order by output_fingerprint, completed_at, position`),
  );
  for (const row of rows) first.set(row.fingerprint, row.position);
  return first;
}
