import "server-only";
import {
  type ClaimedImage,
  type CountedOutcome,
  claimImages,
  type ImageOutcome,
  type ImageRelease,
  type ImageResult,
  recordImageOutcomes,
  releaseImages,
} from "@/db/queries";
import { config } from "@/lib/config";
import { readOutputFormat } from "@/lib/contract";
import { ImageFailure } from "@/lib/errors";
import { fetchImage } from "@/lib/fetch/fetch-image";
import { compressImage } from "@/lib/images/compress-image";
import { logger } from "@/lib/logger";
import { metrics } from "@/lib/metrics";
import { getStorage } from "@/lib/storage/get-storage";
import { outputImageKey, thumbnailKey } from "@/lib/storage/keys";
import { IMMUTABLE_CACHE, StorageError } from "@/lib/storage/storage";
import { retryDelay } from "./backoff";
import { findSameOutput, outputFingerprint, reuseOutput } from "./reuse-output";

/**
 * Processing one image, in three steps both runners share: claim it (`claimImages`), work on it
 * (`processImage`: download, compress or reuse an earlier output, store; the database is only read),
 * record what came of it (`recordImages`).
 * The in-process runner claims and records many images per statement; Inngest does one at a time
 * (`attemptImage`). Recording counts an image once, however often it is processed.
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
export async function processImage(
  image: ClaimedImage,
  {
    maxAttempts = config.jobs.maxAttempts,
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
  const startedAt = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - startedAt) / 1e9;
  metrics.imagesInFlight.inc();
  try {
    const result = await makeOutput(image, downloaded);
    metrics.imageSeconds.observe({ outcome: result.reused ? "reused" : "completed" }, seconds());
    return { kind: "finished", outcome: { imageId: image.id, ok: true, result } };
  } catch (error) {
    const failure = asImageFailure(error, image);
    const retrying = failure.retryable && image.attempts < maxAttempts;
    metrics.imageSeconds.observe({ outcome: retrying ? "retry" : "failed" }, seconds());
    if (retrying) {
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
  } finally {
    metrics.imagesInFlight.dec();
  }
}

/**
 * An image's output, made as little as possible: when the owner has downloaded this URL before with
 * the same options, the download is conditional and a 304 reuses that output; when the bytes and
 * options match an earlier output of the owner's, it is copied; otherwise it is compressed.
 */
async function makeOutput(image: ClaimedImage, hostDone: () => void): Promise<ImageResult> {
  const { earlier } = image;
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
    thumbnail: true,
  });
  const key = outputImageKey(image.requestId, image.id, compressed.extension);
  const previewKey = compressed.thumbnail ? thumbnailKey(image.requestId, image.id) : null;
  const storage = await getStorage();
  try {
    await storage.put(key, compressed.data, { contentType: compressed.contentType, cacheControl: IMMUTABLE_CACHE });
    if (compressed.thumbnail && previewKey) {
      await storage.put(previewKey, compressed.thumbnail, { contentType: "image/webp", cacheControl: IMMUTABLE_CACHE });
    }
  } catch (error) {
    logger.error(
      { err: error, requestId: image.requestId, imageId: image.id, key },
      "storing the compressed image failed",
    );
    throw ImageFailure.notStored(storage.kind);
  }
  return {
    outputKey: key,
    thumbnailKey: previewKey,
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

/** Records finished images and counts them on their requests (see `recordImageOutcomes`). */
export async function recordImages(outcomes: ImageOutcome[]): Promise<CountedOutcome[]> {
  const counted = await recordImageOutcomes(outcomes);
  await removeFilesOfDeletedImages(outcomes, counted);
  const byId = new Map(outcomes.map((outcome) => [outcome.imageId, outcome]));
  for (const { imageId, counted: first } of counted) {
    const outcome = byId.get(imageId);
    if (!first || !outcome) continue;
    if (outcome.ok) {
      metrics.imagesFinished.inc({ outcome: "completed", format: outcome.result.format });
      metrics.imageBytesIn.inc(outcome.result.bytesIn);
      metrics.imageBytesOut.inc(outcome.result.bytesOut);
    } else {
      metrics.imagesFinished.inc({ outcome: "failed", format: "none" });
    }
  }
  return counted;
}

/**
 * An image whose request was deleted while it was under way has no row to record its outcome in:
 * the files it stored belong to nobody. Images are only ever deleted with their request, so the
 * folders holding them (`images/<request>`, `thumbnails/<request>`) go as a whole.
 */
async function removeFilesOfDeletedImages(outcomes: ImageOutcome[], counted: CountedOutcome[]) {
  const known = new Set(counted.map((outcome) => outcome.imageId));
  const folders = new Set(
    outcomes.flatMap((outcome) =>
      outcome.ok && !known.has(outcome.imageId)
        ? [outcome.result.outputKey, outcome.result.thumbnailKey ?? []].flat().map(folderOf)
        : [],
    ),
  );
  if (folders.size === 0) return;
  const storage = await getStorage();
  await Promise.all(
    [...folders].map((folder) =>
      storage
        .deleteFolder(folder)
        .catch((error) => logger.error({ err: error, folder }, "removing a deleted request's files failed")),
    ),
  );
}

const folderOf = (key: string) => key.slice(0, key.lastIndexOf("/"));

/** What one attempt at one image came to, for a runner that works on one image at a time. */
export type ImageAttempt =
  | { kind: "completed" | "failed"; requestId: string; counted: boolean; requestFinished: boolean }
  | { kind: "retry"; requestId: string; delayMs: number; reason: string }
  | { kind: "skipped" };

/**
 * One attempt at one image from claim to record: Inngest's unit of work. Running it again for a
 * finished image changes nothing, so a duplicate event or a restart never counts an image twice.
 */
export async function attemptImage(
  imageId: number,
  { maxAttempts = config.jobs.maxAttempts }: { maxAttempts?: number } = {},
): Promise<ImageAttempt> {
  const [image] = await claimImages([imageId]);
  if (!image) return { kind: "skipped" };
  const work = await processImage(image, { maxAttempts });
  if (work.kind === "retry") {
    await releaseImages([work.release]);
    return { kind: "retry", requestId: image.requestId, delayMs: work.delayMs, reason: work.reason };
  }
  return toAttempt(work.outcome, await recordImages([work.outcome]));
}

/**
 * Ends an image without output, once: the runners' way to give up on an image outside an attempt
 * (Inngest's last word after its retries).
 */
export async function failImage(imageId: number, reason: string): Promise<ImageAttempt> {
  const outcome: ImageOutcome = { imageId, ok: false, error: capitalize(reason) };
  return toAttempt(outcome, await recordImages([outcome]));
}

function toAttempt(outcome: ImageOutcome, [counted]: CountedOutcome[]): ImageAttempt {
  if (!counted) return { kind: "skipped" };
  return {
    kind: outcome.ok ? "completed" : "failed",
    requestId: counted.requestId,
    counted: counted.counted,
    requestFinished: counted.requestFinished,
  };
}

function failed(imageId: number, reason: string): ImageWork {
  return { kind: "finished", outcome: { imageId, ok: false, error: capitalize(reason) } };
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
