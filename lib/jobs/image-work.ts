import "server-only";
import type { ImageResult } from "@/db/image-results";
import type { ClaimedImage, ImageOutcome, ImageRelease } from "@/db/images";
import { readOutputFormat } from "@/lib/contract";
import { ImageFailure } from "@/lib/errors";
import { fetchImage } from "@/lib/fetch/fetch-image";
import { compressImage } from "@/lib/images/compress-image";
import { logger } from "@/lib/logger";
import { getStorage } from "@/lib/storage/get-storage";
import { originalPreviewKey, outputImageKey, outputThumbnailKey, thumbnailKey } from "@/lib/storage/keys";
import { IMMUTABLE_CACHE, StorageError } from "@/lib/storage/storage";
import { retryDelay, retryPolicy } from "@/lib/jobs/retry-policy";
import { findSameOutput, madeByTodaysRecipe, outputFingerprint, reuseOutput } from "./reuse-output";

/**
 * The work on one claimed image: download it, compress it (or reuse an earlier output), store it.
 * It runs on an image thread (`image-threads.ts`), never on the thread that answers clients; the
 * database is only read here, and what came of the image goes back to be recorded.
 */

/** What working on a claimed image came to: an outcome to record, or a later retry. */
export type ImageWork =
  | { kind: "finished"; outcome: ImageOutcome }
  | { kind: "retry"; release: ImageRelease; delayMs: number; reason: string };

/**
 * Downloads, compresses and stores one claimed image. Permanent problems (404, not an image, too
 * large) end it at once; transient ones (network, 5xx, 429, storage down) ask for a retry until
 * `maxAttempts`, then end it with the last reason.
 */
export async function workOnImage(
  image: ClaimedImage,
  {
    maxAttempts = retryPolicy.imageAttempts,
    downloaded = () => {},
  }: {
    maxAttempts?: number;
    /** Called once the image server has answered (or failed): its host may serve another download. */
    downloaded?: () => void;
  } = {},
): Promise<ImageWork> {
  if (image.attempts > maxAttempts) {
    // Earlier attempts never came back (the process died while working on this image): stop here
    // rather than let one image crash the service on every restart.
    return failed(image.id, `processing did not finish after ${maxAttempts} attempts`);
  }
  try {
    const result = await makeOutput(image, downloaded);
    return { kind: "finished", outcome: { imageId: image.id, ok: true, result } };
  } catch (error) {
    const failure = asImageFailure(error, image);
    if (failure.retryable && image.attempts < maxAttempts) {
      return {
        kind: "retry",
        release: {
          imageId: image.id,
          error: `${failure.message} (attempt ${image.attempts} of ${maxAttempts}, retrying)`,
          uncount: false,
        },
        delayMs: failure.retryAfterMs ?? retryDelay(image.attempts),
        reason: failure.message,
      };
    }
    return failed(
      image.id,
      failure.retryable ? `${failure.message} (gave up after ${image.attempts} attempts)` : failure.message,
    );
  }
}

/**
 * An image's output, made as little as possible: when the owner has downloaded this URL before with
 * the same options, the download is conditional and a 304 reuses that output; when the bytes and
 * options match an earlier output of the owner's, it is copied; otherwise it is compressed.
 */
async function makeOutput(image: ClaimedImage, hostDone: () => void): Promise<ImageResult> {
  // An output made by an earlier recipe is not what would be made today: download the image in full.
  const earlier = image.earlier && madeByTodaysRecipe(image.earlier) ? image.earlier : null;
  let downloaded = await (
    earlier
      ? fetchImage(image.url, {
          ifChangedSince: { etag: earlier.sourceEtag, lastModified: earlier.sourceLastModified },
        })
      : fetchImage(image.url)
  ).finally(hostDone);
  if ("notModified" in downloaded) {
    const reused = await reuseOutput(image, earlier!, { ...downloaded, bytesIn: earlier!.bytesIn ?? 0 });
    if (reused) return reused;
    // The earlier output is gone (its request was deleted meanwhile): download the image in full.
    downloaded = await fetchImage(image.url);
  }
  const source = { etag: downloaded.etag, lastModified: downloaded.lastModified, bytesIn: downloaded.bytes.length };
  const fingerprint = outputFingerprint(downloaded.bytes, image);
  const same = await findSameOutput(image, fingerprint);
  const reused = same ? await reuseOutput(image, same, source) : null;
  if (reused) return reused;

  const compressed = await compressImage(downloaded.bytes, {
    quality: image.quality,
    format: readOutputFormat(image.outputFormat) ?? "keep",
    maxWidth: image.maxWidth,
    maxHeight: image.maxHeight,
    maxBytes: image.maxBytes,
    previews: { list: true },
  });
  const key = outputImageKey(image.filesId, image.id, compressed.extension);
  const { thumbnail, outputThumbnail, originalPreview } = compressed;
  // Previews are stored beside the output; one that could not be made is simply absent.
  const previewKeys = {
    thumbnailKey: thumbnail ? thumbnailKey(image.filesId, image.id) : null,
    outputThumbnailKey: outputThumbnail ? outputThumbnailKey(image.filesId, image.id) : null,
    originalPreviewKey: originalPreview ? originalPreviewKey(image.filesId, image.id, originalPreview.extension) : null,
  };
  const files = [
    { key, data: compressed.data, contentType: compressed.contentType },
    { key: previewKeys.thumbnailKey, data: thumbnail, contentType: "image/webp" },
    { key: previewKeys.outputThumbnailKey, data: outputThumbnail, contentType: "image/webp" },
    { key: previewKeys.originalPreviewKey, data: originalPreview?.data, contentType: originalPreview?.contentType },
  ];
  const storage = await getStorage();
  try {
    for (const file of files) {
      if (file.key && file.data && file.contentType) {
        await storage.put(file.key, file.data, { contentType: file.contentType, cacheControl: IMMUTABLE_CACHE });
      }
    }
  } catch (error) {
    logger.error(
      { err: error, requestId: image.requestId, imageId: image.id, key },
      "storing the compressed image failed",
    );
    throw ImageFailure.notStored(storage.displayName);
  }
  return {
    outputKey: key,
    ...previewKeys,
    format: compressed.format,
    width: compressed.width,
    height: compressed.height,
    bytesIn: compressed.bytesIn,
    bytesOut: compressed.bytesOut,
    optimized: compressed.optimized,
    reused: false,
    outputFingerprint: fingerprint,
    sourceEtag: source.etag,
    sourceLastModified: source.lastModified,
  };
}

function failed(imageId: number, reason: string): ImageWork {
  return { kind: "finished", outcome: failedOutcome(imageId, reason) };
}

/** An image ended without output, its reason as a sentence. */
export function failedOutcome(imageId: number, reason: string): ImageOutcome {
  return { imageId, ok: false, error: capitalize(reason) };
}

function asImageFailure(error: unknown, image: ClaimedImage): ImageFailure {
  if (error instanceof ImageFailure) return error;
  if (error instanceof StorageError) return ImageFailure.transient(error.message);
  logger.error(
    { err: error, requestId: image.requestId, imageId: image.id },
    "unexpected error while processing an image",
  );
  return ImageFailure.transient("an unexpected error occurred on our side while processing the image");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
