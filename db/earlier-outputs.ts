import "server-only";
import { and, desc, eq, isNotNull, or, sql } from "drizzle-orm";
import { getDb } from "./client";
import { images, type ImageRow, requests, type RequestRow } from "./schema";

/**
 * Finished outputs a new image may reuse instead of being compressed again. Only the same owner's:
 * reuse never crosses workspaces or browsers, and a request without an owner reuses nothing.
 */

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

/**
 * The latest finished download of this URL by this owner, made with the same options and with
 * validators to send back: a 304 to them means its output still stands.
 */
export async function findEarlierDownload(
  owner: string,
  url: string,
  shape: OutputShape,
): Promise<EarlierOutput | null> {
  const db = await getDb();
  const [row] = await db
    .select(columns)
    .from(images)
    .innerJoin(requests, eq(requests.id, images.requestId))
    .where(
      and(
        eq(images.url, url),
        eq(images.status, "completed"),
        isNotNull(images.outputKey),
        isNotNull(images.outputFingerprint),
        or(isNotNull(images.sourceEtag), isNotNull(images.sourceLastModified)),
        eq(requests.owner, owner),
        eq(requests.quality, shape.quality),
        eq(requests.outputFormat, shape.outputFormat),
        sql`${requests.maxWidth} is not distinct from ${shape.maxWidth}`,
        sql`${requests.maxHeight} is not distinct from ${shape.maxHeight}`,
      ),
    )
    .orderBy(desc(images.completedAt))
    .limit(1);
  return row ?? null;
}
