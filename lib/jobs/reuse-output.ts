import "server-only";
import { createHash } from "node:crypto";
import type { ImageResult } from "@/db/image-results";
import type { ClaimedImage } from "@/db/images";
import { type EarlierOutput, findOutputsByFingerprint, fingerprintLookupKey } from "@/db/earlier-outputs";
import { batchedLookup } from "@/lib/batched-lookup";
import type { Validators } from "@/lib/fetch/fetch-image";
import { OUTPUT_RECIPE } from "@/lib/images/image-formats";
import { getStorage } from "@/lib/storage/get-storage";
import { originalPreviewKey, outputImageKey, outputThumbnailKey, thumbnailKey } from "@/lib/storage/keys";
import { StorageError } from "@/lib/storage/storage";
import { ImageFailure } from "@/lib/errors";

/**
 * Work never done twice: an image's output is named by the SHA-256 of its bytes and of the options
 * that shape it, and an earlier output with the same fingerprint is copied to the new image's key
 * rather than made again, so each request still owns its files.
 */

/** Identifies an output: the recipe, the input's bytes and everything that shapes what is made of them. */
export function outputFingerprint(bytes: Buffer, image: ClaimedImage): string {
  const shape = JSON.stringify({
    quality: image.quality,
    format: image.outputFormat,
    maxWidth: image.maxWidth,
    maxHeight: image.maxHeight,
    // Only when asked for, so outputs made before target sizes keep their fingerprints.
    ...(image.maxBytes !== null ? { maxBytes: image.maxBytes } : {}),
  });
  return OUTPUT_RECIPE + createHash("sha256").update(bytes).update(shape).digest("hex");
}

/** Whether an earlier output was made the way outputs are made today (see `OUTPUT_RECIPE`). */
export function madeByTodaysRecipe(earlier: EarlierOutput): boolean {
  return earlier.outputFingerprint?.startsWith(OUTPUT_RECIPE) ?? false;
}

/** The latest finished output of the image's owner with this fingerprint; null for an image without an owner. */
export function findSameOutput(image: ClaimedImage, fingerprint: string): Promise<EarlierOutput | null> {
  return image.owner ? sameOutputOf({ owner: image.owner, fingerprint }) : Promise.resolve(null);
}

const sameOutputOf = batchedLookup(findOutputsByFingerprint, ({ owner, fingerprint }) =>
  fingerprintLookupKey(owner, fingerprint),
);

/**
 * Copies an earlier output (and its "before" thumbnail) to this image's keys. Null when it cannot
 * stand in: its files are gone (its request was deleted meanwhile).
 */
export async function reuseOutput(
  image: ClaimedImage,
  earlier: EarlierOutput,
  source: Validators & { bytesIn: number },
): Promise<ImageResult | null> {
  if (!earlier.outputKey || !earlier.outputFingerprint || !earlier.format) return null;
  const key = outputImageKey(image.filesId, image.id, extensionOf(earlier.outputKey));
  // Previews go with the output; an earlier output made before a kind of preview existed has none of it.
  const previews = {
    thumbnailKey: earlier.thumbnailKey ? thumbnailKey(image.filesId, image.id) : null,
    outputThumbnailKey: earlier.outputThumbnailKey ? outputThumbnailKey(image.filesId, image.id) : null,
    originalPreviewKey: earlier.originalPreviewKey
      ? originalPreviewKey(image.filesId, image.id, extensionOf(earlier.originalPreviewKey))
      : null,
  };
  const storage = await getStorage();
  try {
    if (!(await storage.copy(earlier.outputKey, key))) return null;
    for (const name of Object.keys(previews) as (keyof typeof previews)[]) {
      const from = earlier[name];
      const to = previews[name];
      if (from && to && !(await storage.copy(from, to))) return null;
    }
  } catch (error) {
    throw error instanceof StorageError ? ImageFailure.notStored(storage.displayName) : error;
  }
  return {
    outputKey: key,
    ...previews,
    format: earlier.format,
    width: earlier.width ?? 0,
    height: earlier.height ?? 0,
    bytesIn: source.bytesIn,
    bytesOut: earlier.bytesOut ?? 0,
    optimized: earlier.optimized ?? true,
    reused: true,
    outputFingerprint: earlier.outputFingerprint,
    sourceEtag: source.etag,
    sourceLastModified: source.lastModified,
  };
}

function extensionOf(key: string): string {
  return key.slice(key.lastIndexOf(".") + 1);
}
