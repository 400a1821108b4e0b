import "server-only";
import { findRequest } from "@/db/requests";
import { deleteRequestRows, retryRequestRow } from "@/db/request-lifecycle";
import type { RequestRow } from "@/db/schema";
import { type Client, mayChange } from "@/lib/auth/identify-client";
import { OWNER_COOKIE } from "@/lib/auth/session";
import type { RequestSummary } from "@/lib/contract";
import { config } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { plural } from "@/lib/format";
import { getJobRunner } from "@/lib/jobs/job-runner";
import { logger } from "@/lib/logger";
import { checkRequestsAtOnce, consume, type LimitHeaders, refund } from "@/lib/rate-limits";
import { getStorage } from "@/lib/storage/get-storage";
import { requestFolders } from "@/lib/storage/keys";
import { requestChanged } from "./status-answers";
import { summarize } from "./status";

/**
 * What a client may do to a request after uploading it: try its failed images again, cancel it,
 * delete it. Only its owner may (`mayChange`); anyone else is told there is no such request.
 */

/**
 * Puts the failed (and cancelled) images of a finished request back in line; 409 while it is
 * processing. A retry is a new batch of downloads, metered as an upload is: its images count against
 * the client's hour and it is one more request processing at once (429 with the same headers).
 */
export async function retryRequest(
  client: Client,
  requestId: string,
): Promise<{ summary: RequestSummary; headers: LimitHeaders }> {
  const request = await changeableRequest(client, requestId);
  const points = request.failedImages + request.cancelledImages;
  let headers: LimitHeaders = {};
  // Nothing to meter for a retry that will be refused (processing, nothing failed): its 409 says why.
  const metered = request.status !== "processing" && request.completedAt !== null && points > 0;
  if (metered) {
    await checkRequestsAtOnce(client.limitKey, "retry");
    headers = await consume("images", client.limitKey, points, "retry");
  }
  const retried = await retryRequestRow(requestId).catch(async (error: unknown) => {
    if (metered) await refund("images", client.limitKey, points).catch(() => {});
    throw error;
  });
  if ("refused" in retried) {
    if (metered) await refund("images", client.limitKey, points).catch(() => {});
    if (retried.refused === "not_found") throw notFound(requestId);
    const now = (await findRequest(requestId)) ?? request;
    if (retried.refused === "processing") {
      throw refused(
        "conflict:processing",
        "The request is still processing; retry its failed images once it is finished.",
        now,
      );
    }
    throw refused("conflict:nothing_to_retry", "Every image of this request was processed; nothing to retry.", now);
  }
  // Another retry or a sweep changed the count meanwhile: the hour counts what was put back.
  if (metered && retried.images < points)
    await refund("images", client.limitKey, points - retried.images).catch(() => {});
  requestChanged(requestId);
  await (await getJobRunner()).requestAccepted(retried.request);
  logger.info({ requestId, images: retried.images }, "request retried");
  // The request as the retry left it: the runner may already be finishing its images.
  return { summary: summarize(retried.request), headers };
}

/** Cancels a processing request: nothing more of it starts; 409 once it is finished. */
export async function cancelRequest(client: Client, requestId: string): Promise<RequestSummary> {
  const request = await changeableRequest(client, requestId);
  const cancelled = await (await getJobRunner()).cancel(requestId);
  if (!cancelled) {
    const now = (await findRequest(requestId)) ?? request;
    throw refused("conflict:finished", `The request is already ${now.status}; there is nothing to cancel.`, now);
  }
  requestChanged(requestId);
  logger.info({ requestId }, "request cancelled");
  return summarize((await findRequest(requestId)) ?? request);
}

/** Deletes a request with every file of it, cancelling it first if it is processing. */
export async function deleteRequest(client: Client, requestId: string): Promise<void> {
  const request = await changeableRequest(client, requestId);
  if (request.status === "processing") await (await getJobRunner()).cancel(requestId);
  await deleteRequestEverywhere(requestId);
  logger.info({ requestId }, "request deleted");
}

/**
 * Removes a request's files and rows. Files go first, so a store that is down leaves the request in
 * place and the delete can be asked for again; they are swept once more after the rows are gone, for
 * any image under way that stored its file in between (one that stores later removes its own).
 */
export async function deleteRequestEverywhere(requestId: string): Promise<void> {
  const request = await findRequest(requestId);
  if (!request) return;
  const storage = await getStorage();
  const folders = requestFolders(request);
  // Every folder's attempt ends before the answer, so none is still deleting when it is asked again.
  const deleted = await Promise.allSettled(folders.map((folder) => storage.deleteFolder(folder)));
  const failure = deleted.find((result) => result.status === "rejected");
  if (failure) {
    logger.error({ err: failure.reason, requestId }, "deleting a request's files failed");
    throw new AppError(
      "unavailable:storage",
      "The request's files could not all be deleted: storage is unavailable. The request is kept; please try again in a minute.",
    );
  }
  await deleteRequestRows(requestId);
  requestChanged(requestId);
  await Promise.all(folders.map((folder) => storage.deleteFolder(folder))).catch((error) =>
    logger.error({ err: error, requestId }, "removing the last files of a deleted request failed"),
  );
}

async function changeableRequest(client: Client, requestId: string): Promise<RequestRow> {
  const request = await findRequest(requestId);
  if (!request || !mayChange(client, request.owner)) throw notFound(requestId);
  return request;
}

/**
 * In open mode anyone may see a request by its id, so an action refused to another client says whose
 * it is to change; in keys mode another workspace's request is not there at all.
 */
function notFound(requestId: string) {
  const whose =
    config.auth.mode === "open"
      ? ` that this client may change: only the client that uploaded it may retry, cancel or delete it (send the ${OWNER_COOKIE} cookie its upload's answer set)`
      : "";
  return new AppError("not_found:request", `No request with id "${requestId}"${whose}.`);
}

function refused(
  code: "conflict:processing" | "conflict:finished" | "conflict:nothing_to_retry",
  message: string,
  request: RequestRow,
) {
  const summary = summarize(request);
  const { processedImages, failedImages, totalImages } = summary.progress;
  return new AppError(
    code,
    `${message} (${processedImages} of ${plural(totalImages, "image")} processed, ${failedImages} failed)`,
    summary,
  );
}
