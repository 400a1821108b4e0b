import type { OutputOptions } from "@/lib/contract";
import { config } from "@/lib/config";
import { ImageFailure } from "@/lib/errors";
import { fetchImage } from "@/lib/fetch/fetch-image";
import { compressImage } from "@/lib/images/compress-image";
import { logger } from "@/lib/logger";

/**
 * One image of a trial, on an image thread: downloaded behind the address guard with every limit of
 * an upload's images, compressed by the same pipeline with the same options. Nothing is stored:
 * the bytes go back to the main thread, which keeps them in the trial cache for a while.
 */

export type TrialOptions = OutputOptions & { quality: number };

/** A file of a trial's image, as it is served. */
export type TrialFile = { data: Uint8Array; contentType: string };

export type TriedImage =
  | {
      ok: true;
      bytesIn: number;
      bytesOut: number;
      format: string;
      width: number;
      height: number;
      optimized: boolean;
      output: TrialFile;
      /** The original at the output's size: the "before", never the uploader's URL. */
      original: TrialFile | null;
    }
  | { ok: false; error: string };

/** The compare's "before" is the point of a trial: made even where the request pages turned it off. */
const TRIAL_PREVIEW_SIDE = 2048;

export async function tryImage(url: string, options: TrialOptions): Promise<TriedImage> {
  try {
    // One attempt: a seller trying options waits for the answer, and a failing host fails the same
    // way in the upload, where it is retried.
    const { bytes } = await fetchImage(url);
    const compressed = await compressImage(bytes, {
      quality: options.quality,
      format: options.format,
      maxWidth: options.maxWidth,
      maxHeight: options.maxHeight,
      maxBytes: options.maxBytes,
      // The trial shows no list: only the compare's "before".
      previews: { list: false, compareSide: config.images.comparePreviewMaxSide || TRIAL_PREVIEW_SIDE },
    });
    return {
      ok: true,
      bytesIn: compressed.bytesIn,
      bytesOut: compressed.bytesOut,
      format: compressed.format,
      width: compressed.width,
      height: compressed.height,
      optimized: compressed.optimized,
      output: { data: compressed.data, contentType: compressed.contentType },
      original: compressed.originalPreview
        ? { data: compressed.originalPreview.data, contentType: compressed.originalPreview.contentType }
        : null,
    };
  } catch (error) {
    if (error instanceof ImageFailure) return { ok: false, error: sentence(error.message) };
    logger.error({ err: error }, "unexpected error while trying an image");
    return { ok: false, error: "An unexpected error occurred on our side while trying the image." };
  }
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
