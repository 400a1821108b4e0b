import "server-only";
import { measureImageActivity } from "@/db/images";
import type { RequestRow } from "@/db/schema";
import type { Activity } from "@/lib/contract";

/** The pace is measured over this long: long enough to smooth out bursts, short enough to follow changes. */
const WINDOW_SECONDS = 60;
/**
 * At most this many of the latest finishes are read: a fast request's pace is then measured over the
 * time they took (under a minute), so a poll reads at most this many index entries, whatever the pace.
 */
const SAMPLE_LIMIT = 500;
/** A pace measured over less than this is noise (the first image of a request). */
const SHORTEST_WINDOW_SECONDS = 2;

/**
 * How a request is moving: images under way apart from those waiting, its pace over the last minute
 * and the time left at that pace. A finished request costs nothing; one still processing costs two
 * index reads of bounded size, never a scan of its images.
 */
export async function activityOf(
  request: Pick<
    RequestRow,
    "id" | "createdAt" | "completedAt" | "totalImages" | "processedImages" | "failedImages" | "cancelledImages"
  >,
): Promise<Activity> {
  if (request.completedAt !== null)
    return { workingImages: 0, waitingImages: 0, imagesPerSecond: null, secondsLeft: null };
  const measured = await measureImageActivity({ requestId: request.id, sampleLimit: SAMPLE_LIMIT });
  const unfinished = Math.max(
    0,
    request.totalImages - request.processedImages - request.failedImages - request.cancelledImages,
  );
  const working = Math.min(measured.working, unfinished);
  const rate = paceOf(measured, (measured.now.getTime() - request.createdAt.getTime()) / 1000);
  return {
    workingImages: working,
    waitingImages: unfinished - working,
    imagesPerSecond: rate === null ? null : Math.round(rate * 100) / 100,
    secondsLeft: rate ? Math.ceil(unfinished / rate) : null,
  };
}

/**
 * Images finished per second: over the last minute, or since the request started when it is younger;
 * over the latest `SAMPLE_LIMIT` finishes when there were more. Null while too young to tell.
 */
export function paceOf(
  { finished, oldestSeconds }: { finished: number; oldestSeconds: number | null },
  ageSeconds: number,
): number | null {
  if (finished >= SAMPLE_LIMIT && oldestSeconds !== null && oldestSeconds > 0) return finished / oldestSeconds;
  const window = Math.min(WINDOW_SECONDS, ageSeconds);
  if (window < SHORTEST_WINDOW_SECONDS) return null;
  return finished / window;
}
