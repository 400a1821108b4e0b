import "server-only";
import { createHash } from "node:crypto";
import { config } from "@/lib/config";
import { type Client, maySee } from "@/lib/auth/identify-client";
import { loadRequestStatus, loadRequestStatusLight, type OwnedStatus } from "./status";

/**
 * Status answers as sent: the JSON text and its ETag, shared by everyone polling the same request.
 *
 * Fifty clients polling a large request must not cost fifty database reads a round: an answer is
 * built once and served to every caller for up to `STATUS_CACHE_MS`, and callers who arrive while
 * it is being built wait for that one build. Progress may show up to `STATUS_CACHE_MS` late; the
 * changes a client acts on (the request closed, its webhook delivered) drop the request's answers at
 * once when this process makes them.
 */

export type StatusAnswer = { body: string; etag: string; owner: string | null };

type Entry = { answer: Promise<StatusAnswer | null>; at: number };

const slot = globalThis as typeof globalThis & { __csvImageStatusAnswers?: Map<string, Map<string, Entry>> };
// One store per process, even when Next.js loads this module in several bundles.
const answers = (slot.__csvImageStatusAnswers ??= new Map());

export type StatusQuestion = { requestId: string; products: boolean; page: number; pageSize: number };

/** The answer to a status question; null for an unknown request or one this client may not see. */
export async function statusAnswer(client: Client, question: StatusQuestion): Promise<StatusAnswer | null> {
  const answer = await sharedAnswer(question);
  return answer && maySee(client, answer.owner) ? answer : null;
}

function sharedAnswer({ requestId, products, page, pageSize }: StatusQuestion): Promise<StatusAnswer | null> {
  const key = products ? `${page}:${pageSize}` : "light";
  const forRequest = answers.get(requestId) ?? new Map<string, Entry>();
  const cached = forRequest.get(key);
  if (cached && Date.now() - cached.at < config.statusCacheMs) return cached.answer;

  const answer = (products ? loadRequestStatus({ requestId, page, pageSize }) : loadRequestStatusLight(requestId)).then(
    (loaded) => (loaded ? toAnswer(loaded) : null),
  );
  if (config.statusCacheMs > 0) {
    if (answers.size > 500) forgetOldAnswers();
    forRequest.set(key, { answer, at: Date.now() });
    answers.set(requestId, forRequest);
    // A failed build is not kept: the next caller tries again.
    answer.catch(() => forRequest.get(key)?.answer === answer && forRequest.delete(key));
  }
  return answer;
}

/** The request closed or its webhook changed here: its next status answer is built afresh. */
export function requestChanged(requestId: string) {
  answers.delete(requestId);
}

/** Keeps the store small: requests nobody polls any more leave it. */
function forgetOldAnswers() {
  const now = Date.now();
  for (const [requestId, forRequest] of answers) {
    for (const [key, entry] of forRequest) if (now - entry.at >= config.statusCacheMs) forRequest.delete(key);
    if (forRequest.size === 0) answers.delete(requestId);
  }
}

function toAnswer({ owner, status }: OwnedStatus<object>): StatusAnswer {
  const body = JSON.stringify(status);
  return { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`, owner };
}
