import "server-only";
import type { Client } from "@/lib/auth/identify-client";
import { getStorage } from "@/lib/storage/get-storage";
import { outputCsvFileName } from "@/lib/storage/keys";
import { buildOutputCsv } from "./output-csv";
import { findFinishedRequest } from "./finished-request";

/**
 * The output CSV of a finished request: the stored copy, or one built from the database when the
 * request closed without it (its storage was down) or the store's links expire. Still processing: a
 * conflict with a message and the request's summary.
 */
export async function openOutputCsv(
  client: Client,
  requestId: string,
): Promise<{ fileName: string; body: ReadableStream<Uint8Array> | string }> {
  const request = await findFinishedRequest(client, requestId, "the output CSV");
  const fileName = outputCsvFileName(request.fileName);
  const storage = await getStorage();
  // Links in the stored copy may have expired since (presigned ones); a download makes fresh ones.
  const stored =
    request.outputCsvKey && !storage.linksExpire ? await storage.get(request.outputCsvKey).catch(() => null) : null;
  return { fileName, body: stored ? stored.body : await buildOutputCsv(requestId) };
}
