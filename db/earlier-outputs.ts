import "server-only";
import { and, sql } from "drizzle-orm";
import { getDb } from "./client";
import { resultColumns } from "./image-results";
import { rowsOf } from "./raw-sql";
import { images, type ImageRow, requests, type RequestRow } from "./schema";

/**
 * Finished outputs a new image may reuse instead of being compressed again. Only the same owner's:
 * reuse never crosses workspaces or browsers, and a request without an owner reuses nothing.
 */

// Whether an output was itself reused says nothing about it: the image that reuses it is reused.
const { reused: _reused, ...storedResult } = resultColumns;
const earlierColumns = { id: images.id, ...storedResult };

/** An earlier image's finished output, with what its download's validators were. */
export type EarlierOutput = Pick<ImageRow, keyof typeof earlierColumns>;

/** The columns of an earlier output under their names, read from `alias` in the statements below. */
const columnsOf = (alias: string) =>
  sql.raw(
    Object.entries(earlierColumns)
      .map(([name, column]) => `${alias}.${column.name} as "${name}"`)
      .join(", "),
  );
const candidateColumns = columnsOf("candidate");
const imageColumns = columnsOf("image");

/** Names one lookup of `findOutputsByFingerprint`: an owner and a fingerprint. */
export const fingerprintLookupKey = (owner: string, fingerprint: string) => `${owner}\n${fingerprint}`;

/**
 * For each owner and fingerprint, the latest finished output of that owner made from the same bytes
 * with the same options, by `fingerprintLookupKey`. It runs for every image compressed and almost
 * always finds nothing, so it is two plain statements that the planner has little to plan for:
 * the images with those fingerprints, by the fingerprint index alone (never every image of an owner,
 * whose history only grows), then, only when there are any, whose requests they belong to.
 */
export async function findOutputsByFingerprint(
  wanted: { owner: string; fingerprint: string }[],
): Promise<Map<string, EarlierOutput>> {
  const found = new Map<string, EarlierOutput>();
  if (wanted.length === 0) return found;
  const db = await getDb();
  const candidates = rowsOf<EarlierOutput & { requestId: string }>(
    await db.execute(sql`
      select ${imageColumns}, image.request_id as "requestId" from ${images} as image
      where image.output_fingerprint = any(${sql.param([...new Set(wanted.map((lookup) => lookup.fingerprint))])}::text[])
        and image.status = 'completed' and image.output_key is not null
      order by image.completed_at desc`),
  );
  if (candidates.length === 0) return found;
  const owners = new Map(
    (
      await db
        .select({ id: requests.id, owner: requests.owner })
        .from(requests)
        .where(
          and(
            sql`${requests.id} = any(${sql.param([...new Set(candidates.map((candidate) => candidate.requestId))])}::text[])`,
            sql`${requests.owner} = any(${sql.param([...new Set(wanted.map((lookup) => lookup.owner))])}::text[])`,
          ),
        )
    ).map((request) => [request.id, request.owner]),
  );
  const asked = new Set(wanted.map((lookup) => fingerprintLookupKey(lookup.owner, lookup.fingerprint)));
  // Latest first: the first candidate of an owner and fingerprint is the one kept.
  for (const { requestId, ...earlier } of candidates) {
    const owner = owners.get(requestId);
    if (!owner || !earlier.outputFingerprint) continue;
    const key = fingerprintLookupKey(owner, earlier.outputFingerprint);
    if (asked.has(key) && !found.has(key)) found.set(key, earlier);
  }
  return found;
}

type OutputShape = Pick<RequestRow, "quality" | "outputFormat" | "maxWidth" | "maxHeight" | "maxBytes">;
type Wanted = OutputShape & Pick<RequestRow, "owner"> & { url: string };

/**
 * For each image, the latest finished download of its URL by the same owner with the same options and
 * with validators to send back: a 304 to them means that output still stands, if it was made by
 * today's recipe (its fingerprint's prefix, which the image's work checks: the recipe belongs to the
 * encoder, and outputs are made by one recipe at a time, so the latest is the only one that may
 * qualify). One statement per owner and options for a whole page of claimed images, not one per image.
 */
export async function findEarlierDownloads<T extends Wanted>(wanted: T[]): Promise<Map<T, EarlierOutput | null>> {
  const found = new Map<T, EarlierOutput | null>(wanted.map((image) => [image, null]));
  const groups = new Map<string, T[]>();
  for (const image of wanted) {
    if (!image.owner) continue;
    const key = JSON.stringify([
      image.owner,
      image.quality,
      image.outputFormat,
      image.maxWidth,
      image.maxHeight,
      image.maxBytes,
    ]);
    groups.set(key, [...(groups.get(key) ?? []), image]);
  }
  if (groups.size === 0) return found;
  const db = await getDb();
  for (const group of groups.values()) {
    const [shape] = group;
    // As above, the images of those URLs first (by the URL index), not every image of the owner.
    const rows = rowsOf<EarlierOutput & { url: string }>(
      await db.execute(sql`
        with candidate as materialized (
          select image.* from ${images} as image
          where image.url = any(${sql.param([...new Set(group.map((image) => image.url))])}::text[])
            and image.status = 'completed' and image.output_key is not null
            and (image.source_etag is not null or image.source_last_modified is not null)
        )
        select distinct on (candidate.url) candidate.url, ${candidateColumns}
        from candidate
        join ${requests} as request on request.id = candidate.request_id
        where request.owner = ${shape.owner} and request.quality = ${shape.quality}
          and request.output_format = ${shape.outputFormat}
          and request.max_width is not distinct from ${shape.maxWidth}::int
          and request.max_height is not distinct from ${shape.maxHeight}::int
          and request.max_bytes is not distinct from ${shape.maxBytes}::int
        order by candidate.url, candidate.completed_at desc`),
    );
    const byUrl = new Map(rows.map(({ url, ...earlier }) => [url, earlier]));
    for (const image of group) found.set(image, byUrl.get(image.url) ?? null);
  }
  return found;
}
