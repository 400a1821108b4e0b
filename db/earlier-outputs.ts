import "server-only";
import { and, desc, eq, inArray, isNotNull, like, or, sql } from "drizzle-orm";
import { getDb } from "./client";
import { images, type ImageRow, requests, type RequestRow } from "./schema";

/**
 * Finished outputs a new image may reuse instead of being compressed again. Only the same owner's:
 * reuse never crosses workspaces or browsers, and a request without an owner reuses nothing.
 */

/**
 * Every fingerprint starts with the recipe the output was made by. Changing how outputs are made
 * (encoder settings) changes it, so outputs made the old way are reused neither by their bytes nor by
 * a 304.
 */
export const OUTPUT_RECIPE = "r1:";

export type EarlierOutput = Pick<
  ImageRow,
  | "id"
  | "outputKey"
  | "thumbnailKey"
  | "format"
  | "width"
  | "height"
  | "bytesIn"
  | "bytesOut"
  | "optimized"
  | "outputFingerprint"
  | "sourceEtag"
  | "sourceLastModified"
>;

const columns = {
  id: images.id,
  outputKey: images.outputKey,
  thumbnailKey: images.thumbnailKey,
  format: images.format,
  width: images.width,
  height: images.height,
  bytesIn: images.bytesIn,
  bytesOut: images.bytesOut,
  optimized: images.optimized,
  outputFingerprint: images.outputFingerprint,
  sourceEtag: images.sourceEtag,
  sourceLastModified: images.sourceLastModified,
};

/** The latest finished output of this owner made from the same bytes with the same options. */
export async function findOutputByFingerprint(owner: string, fingerprint: string): Promise<EarlierOutput | null> {
  const db = await getDb();
  const [row] = await db
    .select(columns)
    .from(images)
    .innerJoin(requests, eq(requests.id, images.requestId))
    .where(
      and(
        eq(images.outputFingerprint, fingerprint),
        eq(images.status, "completed"),
        isNotNull(images.outputKey),
        eq(requests.owner, owner),
      ),
    )
    .orderBy(desc(images.completedAt))
    .limit(1);
  return row ?? null;
}

type OutputShape = Pick<RequestRow, "quality" | "outputFormat" | "maxWidth" | "maxHeight">;
type Wanted = OutputShape & Pick<RequestRow, "owner"> & { url: string };

/**
 * For each image, the latest finished download of its URL by the same owner with the same options and
 * with validators to send back: a 304 to them means that output still stands. One statement per
 * owner and options for a whole page of claimed images, not one per image.
 */
export async function findEarlierDownloads<T extends Wanted>(wanted: T[]): Promise<Map<T, EarlierOutput | null>> {
  const found = new Map<T, EarlierOutput | null>(wanted.map((image) => [image, null]));
  const groups = new Map<string, T[]>();
  for (const image of wanted) {
    if (!image.owner) continue;
    const key = JSON.stringify([image.owner, image.quality, image.outputFormat, image.maxWidth, image.maxHeight]);
    groups.set(key, [...(groups.get(key) ?? []), image]);
  }
  if (groups.size === 0) return found;
  const db = await getDb();
  for (const group of groups.values()) {
    const [shape] = group;
    const rows = await db
      .selectDistinctOn([images.url], { ...columns, url: images.url })
      .from(images)
      .innerJoin(requests, eq(requests.id, images.requestId))
      .where(
        and(
          inArray(images.url, [...new Set(group.map((image) => image.url))]),
          eq(images.status, "completed"),
          isNotNull(images.outputKey),
          like(images.outputFingerprint, `${OUTPUT_RECIPE}%`),
          or(isNotNull(images.sourceEtag), isNotNull(images.sourceLastModified)),
          eq(requests.owner, shape.owner!),
          eq(requests.quality, shape.quality),
          eq(requests.outputFormat, shape.outputFormat),
          sql`${requests.maxWidth} is not distinct from ${shape.maxWidth}`,
          sql`${requests.maxHeight} is not distinct from ${shape.maxHeight}`,
        ),
      )
      .orderBy(images.url, desc(images.completedAt));
    const byUrl = new Map(rows.map(({ url, ...earlier }) => [url, earlier]));
    for (const image of group) found.set(image, byUrl.get(image.url) ?? null);
  }
  return found;
}
