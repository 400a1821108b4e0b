import type { PgColumn } from "drizzle-orm/pg-core";
import { images } from "./schema";

/** What working on an image made of it, as stored on its row. */
export type ImageResult = {
  outputKey: string;
  thumbnailKey: string | null;
  outputThumbnailKey: string | null;
  originalPreviewKey: string | null;
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

/**
 * The column each field of a result is stored in: the statements that write results many at a time
 * and read earlier outputs are built from this map, so a new field is one line here.
 */
export const resultColumns = {
  outputKey: images.outputKey,
  thumbnailKey: images.thumbnailKey,
  outputThumbnailKey: images.outputThumbnailKey,
  originalPreviewKey: images.originalPreviewKey,
  format: images.format,
  width: images.width,
  height: images.height,
  bytesIn: images.bytesIn,
  bytesOut: images.bytesOut,
  optimized: images.optimized,
  reused: images.reused,
  outputFingerprint: images.outputFingerprint,
  sourceEtag: images.sourceEtag,
  sourceLastModified: images.sourceLastModified,
} satisfies Record<keyof ImageResult, PgColumn>;

/** A failed image's result columns: none, and not reused (the column cannot be null). */
export const failedResult: Partial<ImageResult> = { reused: false };
