import "server-only";
import { createHash } from "node:crypto";
import {
  claimIdempotencyKey,
  findIdempotencyKey,
  releaseIdempotencyKey,
  saveIdempotentResponse,
} from "@/db/idempotency";
import type { UploadAccepted } from "@/lib/contract";
import { AppError, rejectedUpload } from "@/lib/errors";
import type { ReadUpload } from "./read-upload";

/**
 * Uploads sent with an `Idempotency-Key` header are accepted once. The same key with the same file
 * and fields within a day answers the first 202 again and creates nothing; the same key with another
 * body is a 422; two identical calls at once create one request (the second waits for the first).
 * A refused or failed upload frees its key, so the client can simply send it again.
 */

const KEEP_MS = 24 * 3600 * 1000;
const WAIT_FOR_FIRST_MS = 30_000;

export type Once = { accepted: UploadAccepted; replayed: boolean };

export async function acceptOnce(
  { scope, key, upload }: { scope: string; key: string | null; upload: ReadUpload },
  accept: () => Promise<UploadAccepted>,
): Promise<Once> {
  if (key === null) return { accepted: await accept(), replayed: false };
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw rejectedUpload("bad_request:upload", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
  }
  const fingerprint = fingerprintOf(upload);
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const existing = await claimIdempotencyKey({ scope, key, fingerprint, maxAgeMs: KEEP_MS });
    if (!existing) {
      try {
        const accepted = await accept();
        await saveIdempotentResponse({ scope, key, response: accepted });
        return { accepted, replayed: false };
      } catch (error) {
        await releaseIdempotencyKey({ scope, key });
        throw error;
      }
    }
    if (existing.fingerprint !== fingerprint) {
      throw new AppError(
        "unprocessable:idempotency",
        "This Idempotency-Key was already used for a different upload; nothing was stored. Use a new key for a new upload.",
        { isValid: false, errors: [], errorCount: 1 },
      );
    }
    if (existing.response) return { accepted: existing.response as UploadAccepted, replayed: true };
    // The same upload is being accepted right now: wait for its answer, then give the same one.
    const answered = await waitForAnswer(scope, key, deadline);
    if (answered === "gone") continue;
    if (answered) return { accepted: answered, replayed: true };
    throw new AppError(
      "conflict:processing",
      "An upload with this Idempotency-Key is still being accepted; ask again in a moment.",
      { isValid: false, errors: [], errorCount: 1 },
      { "Retry-After": "5" },
    );
  }
}

async function waitForAnswer(scope: string, key: string, deadline: number): Promise<UploadAccepted | "gone" | null> {
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const row = await findIdempotencyKey({ scope, key });
    if (!row) return "gone";
    if (row.response) return row.response as UploadAccepted;
  }
  return null;
}

/** The file's bytes, its name and the form fields: what makes two uploads the same. */
function fingerprintOf(upload: ReadUpload): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ fileName: upload.fileName, fields: Object.entries(upload.fields).sort() }));
  for (const chunk of upload.chunks) hash.update(chunk);
  return hash.digest("hex");
}
