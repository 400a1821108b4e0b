import "server-only";
import { listRequestsAwaitingFinish } from "@/db/requests";
import { cancelLeftoverImages, listExpiredRequestIds, listStalledRequests, touchRequest } from "@/db/request-lifecycle";
import { config } from "@/lib/config";
import { retryPolicy } from "@/lib/jobs/retry-policy";
import type { RequestForWork } from "@/lib/jobs/work-owner";
import { logger } from "@/lib/logger";
import { deleteRequestEverywhere } from "@/lib/requests/request-actions";

/**
 * The hourly sweep's steps, shared by both runners: retention, and work that was lost on the way
 * (Inngest events dropped, runs cancelled, a process killed between two steps). Each step is safe
 * to run twice; the clock is a parameter, so tests need not wait for days.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** Requests deleted per round of the retention step: a large backlog goes in bounded rounds. */
const EXPIRED_PER_ROUND = 100;

/** Deletes finished requests closed more than RETENTION_DAYS before `now`, with their files. */
export async function deleteExpiredRequests(now: Date): Promise<number> {
  if (config.retentionDays === 0) return 0;
  const cutoff = new Date(now.getTime() - config.retentionDays * DAY_MS);
  let deleted = 0;
  for (;;) {
    const expired = await listExpiredRequestIds(cutoff, EXPIRED_PER_ROUND);
    for (const requestId of expired) {
      try {
        await deleteRequestEverywhere(requestId);
        deleted++;
      } catch (error) {
        // The store is down: the request stays whole and the next sweep tries again.
        logger.error({ err: error, requestId }, "deleting an expired request failed");
        return deleted;
      }
    }
    if (expired.length < EXPIRED_PER_ROUND) break;
  }
  if (deleted > 0) logger.info({ deleted, retentionDays: config.retentionDays }, "expired requests deleted");
  return deleted;
}

export type LostWork = {
  /** Every image counted, never closed: to be finished (output CSV, status, webhook). */
  toFinish: string[];
  /** Processing, images still waiting, nothing recorded for an hour: their images to be sent again. */
  toResume: RequestForWork[];
};

/**
 * Finds requests whose work was lost. A cancelled request whose images under way never came back
 * has those images cancelled here, which makes it one to finish.
 */
export async function findLostWork(now: Date): Promise<LostWork> {
  const stalled = await listStalledRequests(new Date(now.getTime() - retryPolicy.stalledAfterMs));
  for (const request of stalled) {
    if (request.status === "cancelled") await cancelLeftoverImages(request.id, "all");
  }
  const toResume = stalled
    .filter((request) => request.status === "processing")
    .map(({ id, owner, clientKey }) => ({ id, owner, clientKey }));
  // The next sweep waits another hour before sending them again, however long their images take.
  for (const request of toResume) await touchRequest(request.id);
  return { toFinish: await listRequestsAwaitingFinish(), toResume };
}
