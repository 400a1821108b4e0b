import "server-only";
import { findRequest } from "@/db/requests";
import { type Client, maySee } from "@/lib/auth/identify-client";
import { AppError } from "@/lib/errors";
import { plural } from "@/lib/format";
import { getStorage } from "@/lib/storage/get-storage";
import { outputCsvFileName } from "@/lib/storage/keys";
import { buildOutputCsv } from "./output-csv";
import { summarize } from "./status";

/**
 * The output CSV of a finished request: the stored copy, or one built from the database when the
 * request closed without it (its storage was down) or the store's links expire. Still processing: a
 * conflict with a message and the request's summary.
 */
export async function openOutputCsv(
  client: Client,
  requestId: string,
): Promise<{ fileName: string; body: ReadableStream<Uint8Array> | string }> {
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
      `The request is still processing (${finished} of ${plural(summary.progress.totalImages, "image")} finished); download the output CSV once it is finished.`,
      summary,
    );
  }
  const fileName = outputCsvFileName(request.fileName);
  const storage = await getStorage();
  // Links in the stored copy may have expired since (presigned ones); a download makes fresh ones.
  const stored =
    request.outputCsvKey && !storage.linksExpire ? await storage.get(request.outputCsvKey).catch(() => null) : null;
  return { fileName, body: stored ? stored.body : await buildOutputCsv(requestId) };
}
