import "server-only";
import { closeRequest as closeRequestRow, findRequest } from "@/db/requests";
import type { RequestRow } from "@/db/schema";
import { getStorage } from "@/lib/storage/get-storage";
import { outputCsvKey } from "@/lib/storage/keys";
import { writeOutputCsv } from "@/lib/requests/output-csv";
import { requestChanged } from "@/lib/requests/status-answers";

/**
 * Closes a request whose every image is finished: writes the output CSV and the final status.
 * `completed` when at least one image succeeded, `failed` when none did; a cancelled request stays
 * `cancelled`, its CSV holding what was done before the cancel. Safe to run twice:
 * the CSV lands on the same key and only the first close changes the status.
 * Returns whether this call closed the request.
 */
export async function finishRequest(requestId: string): Promise<boolean> {
  const request = await findRequest(requestId);
  if (!request || !awaitsFinish(request)) return false;

  const key = outputCsvKey(request.filesId, request.fileName);
  const csv = await writeOutputCsv(request);
  const storage = await getStorage();
  await storage.put(key, csv, { contentType: "text/csv; charset=utf-8" });

  const closed = await closeRequest({ requestId, ...closingState(request), outputCsvKey: key });
  // Deleted while its CSV was being written: the file would belong to nobody.
  if (!closed && !(await findRequest(requestId))) await storage.delete(key).catch(() => {});
  return closed;
}

/** The status a request closes with, and what its `error` says about it. */
function closingState(request: RequestRow): { status: "completed" | "failed" | "cancelled"; error: string | null } {
  if (request.status === "cancelled") {
    const notDone = request.cancelledImages;
    return {
      status: "cancelled",
      error: `Cancelled: ${notDone} of ${request.totalImages} image${request.totalImages === 1 ? " was" : "s were"} not processed.`,
    };
  }
  if (request.processedImages > 0) return { status: "completed", error: null };
  return {
    status: "failed",
    error:
      request.totalImages === 1
        ? "The image could not be processed; its reason is listed with it."
        : `None of the ${request.totalImages} images could be processed; each image lists its reason.`,
  };
}

/** Every image counted but the request still open: a finisher was lost (a crash, a step result never recorded). */
export async function isReadyToFinish(requestId: string): Promise<boolean> {
  const request = await findRequest(requestId);
  return request !== null && awaitsFinish(request);
}

function awaitsFinish(request: RequestRow): boolean {
  const counted = request.processedImages + request.failedImages + request.cancelledImages;
  return (
    (request.status === "processing" || request.status === "cancelled") &&
    request.completedAt === null &&
    counted >= request.totalImages
  );
}

export const OUTPUT_CSV_NOT_STORED =
  "The output CSV could not be stored; the download writes it again once storage is back.";

/**
 * Closes a request whose output CSV cannot be stored, saying so. Its images are all finished and
 * the download writes the CSV again (from the stored upload and the database) once storage is back,
 * so it is `completed` if any image succeeded.
 */
export async function closeWithoutOutputCsv(requestId: string): Promise<boolean> {
  const request = await findRequest(requestId);
  if (!request) return false;
  return closeRequest({
    requestId,
    status: request.status === "cancelled" ? "cancelled" : request.processedImages > 0 ? "completed" : "failed",
    outputCsvKey: null,
    error: OUTPUT_CSV_NOT_STORED,
  });
}

/** Closes the request's row and lets status answer with the change at once. */
async function closeRequest(close: Parameters<typeof closeRequestRow>[0]): Promise<boolean> {
  const closed = await closeRequestRow(close);
  requestChanged(close.requestId);
  return closed;
}
