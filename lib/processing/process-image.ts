import "server-only";
import { recordImageOutcome, releaseImageForRetry, startImageAttempt } from "@/db/queries";
import { config } from "@/lib/config";
import { ImageFailure } from "@/lib/errors";
import { fetchImage } from "@/lib/fetch/fetch-image";
import { compressImage } from "@/lib/images/compress-image";
import { makeThumbnail } from "@/lib/images/thumbnail";
import { getStorage } from "@/lib/storage/get-storage";
import { IMMUTABLE_CACHE, StorageError } from "@/lib/storage/storage";
import { outputImageKey, thumbnailKey } from "@/lib/storage/keys";
import { retryDelay } from "./backoff";
import { logger } from "@/lib/logger";
import { metrics } from "@/lib/metrics";

/** What became of one attempt at an image; the runner schedules what follows. */
export type ImageAttempt =
  | { kind: "completed" | "failed"; requestId: string; counted: boolean; requestFinished: boolean }
  | { kind: "retry"; requestId: string; delayMs: number; reason: string }
  | { kind: "skipped" };

/**
 * One attempt at one image: download, compress, store, record. Permanent problems (404, not an
 * image, too large) fail the image at once; transient ones (network, 5xx, 429, storage down) are
 * retried until `maxAttempts`, then fail it with the last reason. Running it again for a finished
 * image changes nothing, so a duplicate delivery or a restart never counts an image twice.
 */
export async function attemptImage(
  imageId: number,
  { maxAttempts = config.jobs.maxAttempts }: { maxAttempts?: number } = {},
): Promise<ImageAttempt> {
  const started = await startImageAttempt(imageId);
  if (!started || started.requestStatus !== "processing") return { kind: "skipped" };
  const { image, quality } = started;
  if (image.attempts > maxAttempts) {
    // Earlier attempts never came back (the process died while working on this image): stop here
    // rather than let one image crash the service on every restart.
    return failImage(image.id, `processing did not finish after ${maxAttempts} attempts`);
  }

  const startedAt = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - startedAt) / 1e9;
  metrics.imagesInFlight.inc();
  try {
    const downloaded = await fetchImage(image.url);
    const compressed = await compressImage(downloaded.bytes, { quality });
    const thumbnail = await makeThumbnail(downloaded.bytes, { maxPixels: config.images.maxPixels });
    const key = outputImageKey(image.requestId, image.id, compressed.extension);
    const previewKey = thumbnail ? thumbnailKey(image.requestId, image.id) : null;
    const storage = await getStorage();
    try {
      await storage.put(key, compressed.data, { contentType: compressed.contentType, cacheControl: IMMUTABLE_CACHE });
      if (thumbnail && previewKey) {
        await storage.put(previewKey, thumbnail, { contentType: "image/webp", cacheControl: IMMUTABLE_CACHE });
      }
    } catch (error) {
      logger.error(
        { err: error, requestId: image.requestId, imageId: image.id, key },
        "storing the compressed image failed",
      );
      throw ImageFailure.transient(
        `the compressed image could not be stored (${storage.kind === "s3" ? "S3" : "storage folder"} unavailable)`,
      );
    }
    const counted = await recordImageOutcome(image.id, {
      ok: true,
      result: {
        outputKey: key,
        thumbnailKey: previewKey,
        format: compressed.format,
        width: compressed.width,
        height: compressed.height,
        bytesIn: compressed.bytesIn,
        bytesOut: compressed.bytesOut,
        optimized: compressed.optimized,
      },
    });
    if (counted?.counted) {
      metrics.imagesFinished.inc({ outcome: "completed", format: compressed.format });
      metrics.imageBytesIn.inc(compressed.bytesIn);
      metrics.imageBytesOut.inc(compressed.bytesOut);
    }
    metrics.imageSeconds.observe({ outcome: "completed" }, seconds());
    return {
      kind: "completed",
      requestId: image.requestId,
      counted: counted?.counted ?? false,
      requestFinished: counted?.finished ?? false,
    };
  } catch (error) {
    const failure = asImageFailure(error);
    const retrying = failure.retryable && image.attempts < maxAttempts;
    metrics.imageSeconds.observe({ outcome: retrying ? "retry" : "failed" }, seconds());
    if (retrying) {
      await releaseImageForRetry({
        imageId: image.id,
        error: `${failure.message} (attempt ${image.attempts} of ${maxAttempts}, retrying)`,
      });
      return {
        kind: "retry",
        requestId: image.requestId,
        delayMs: failure.retryAfterMs ?? retryDelay(image.attempts),
        reason: failure.message,
      };
    }
    return failImage(
      image.id,
      failure.retryable ? `${failure.message} (gave up after ${image.attempts} attempts)` : failure.message,
    );
  } finally {
    metrics.imagesInFlight.dec();
  }
}

/**
 * Records an image as failed, once: the runners' one way to end an image without output (a permanent
 * problem, the last attempt, or Inngest's last word after its retries).
 */
export async function failImage(imageId: number, reason: string): Promise<ImageAttempt> {
  const counted = await recordImageOutcome(imageId, { ok: false, error: capitalize(reason) });
  if (!counted) return { kind: "skipped" };
  if (counted.counted) metrics.imagesFinished.inc({ outcome: "failed", format: "none" });
  return { kind: "failed", requestId: counted.requestId, counted: counted.counted, requestFinished: counted.finished };
}

function asImageFailure(error: unknown): ImageFailure {
  if (error instanceof ImageFailure) return error;
  if (error instanceof StorageError) return ImageFailure.transient(error.message);
  logger.error({ err: error }, "unexpected error while processing an image");
  return ImageFailure.transient("an unexpected error occurred on our side while processing the image");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
