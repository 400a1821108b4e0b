import "server-only";
import { findRequest } from "@/db/requests";
import type { RequestRow } from "@/db/schema";
import { type Client, maySee } from "@/lib/auth/identify-client";
import { AppError } from "@/lib/errors";
import { plural } from "@/lib/format";
import { summarize } from "./status";

/**
 * A finished request this client may see, for the files made from it (output CSV, failures report,
 * images ZIP): a 404 for an unknown one or another owner's, the same as status; still processing, a
 * conflict with a message naming `what` and the request's summary.
 */
export async function findFinishedRequest(client: Client, requestId: string, what: string): Promise<RequestRow> {
  const request = await findRequest(requestId);
  if (!request || !maySee(client, request.owner))
    throw new AppError("not_found:request", `No request with id "${requestId}".`);
  // A cancelled request is finished once the images under way when it was cancelled are back.
  if (!request.completedAt) {
    const summary = summarize(request);
    const { processedImages, failedImages, cancelledImages } = summary.progress;
    const finished = processedImages + failedImages + cancelledImages;
    throw new AppError(
      "conflict:processing",
      `The request is still processing (${finished} of ${plural(summary.progress.totalImages, "image")} finished); download ${what} once it is finished.`,
      summary,
    );
  }
  return request;
}
