import "server-only";
import {
  type ClaimedImage,
  type CountedOutcome,
  claimImages,
  type ImageOutcome,
  recordImageOutcomes,
  releaseImages,
} from "@/db/images";
import { retryPolicy } from "@/lib/jobs/retry-policy";
import { logger } from "@/lib/logger";
import { metrics } from "@/lib/metrics";
import { getStorage } from "@/lib/storage/get-storage";
import { imageThreads } from "./image-threads";
import { failedOutcome, type ImageWork } from "./image-work";

/**
 * Processing one image, in three steps both runners share: claim it (`claimImages`), work on it
 * (`processImage`: download, compress or reuse an earlier output, store, on an image thread; the
 * database is only read), record what came of it (`recordImages`).
 * The in-process runner claims and records many images per statement; Inngest does one at a time
 * (`attemptImage`). Recording counts an image once, however often it is processed.
 */

export type { ImageWork } from "./image-work";

/**
 * Downloads, compresses and stores one claimed image on an image thread. Permanent problems (404,
 * not an image, too large) end it at once; transient ones (network, 5xx, 429, storage down) ask for a
 * retry until `maxAttempts`, then end it with the last reason. Rejects only when the work could not
 * be done on our side (the database or the thread failed): the image is then tried again later.
 */
export async function processImage(
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
  const startedAt = process.hrtime.bigint();
  metrics.imagesInFlight.inc();
  try {
    const work = await imageThreads().process(image, { maxAttempts, downloaded });
    const outcome =
      work.kind === "retry"
        ? "retry"
        : !work.outcome.ok
          ? "failed"
          : work.outcome.result.reused
            ? "reused"
            : "completed";
    metrics.imageSeconds.observe({ outcome }, Number(process.hrtime.bigint() - startedAt) / 1e9);
    return work;
  } finally {
    metrics.imagesInFlight.dec();
  }
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
  { maxAttempts = retryPolicy.imageAttempts }: { maxAttempts?: number } = {},
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
  const outcome = failedOutcome(imageId, reason);
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
