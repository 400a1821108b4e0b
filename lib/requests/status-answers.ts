import "server-only";
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { findRequest } from "@/db/requests";
import { config } from "@/lib/config";
import { type Client, maySee } from "@/lib/auth/identify-client";
import { loadRequestStatus, loadRequestStatusLight, MAX_PAGE_SIZE, type OwnedStatus, pageOf } from "./status";
import type { ImageFilterState } from "@/lib/contract";
import { processSingleton } from "@/lib/process-singleton";

/**
 * Status answers as sent: the JSON text and its ETag, shared by everyone polling the same request.
 *
 * Fifty clients polling a large request must not cost fifty database reads a round: an answer is
 * built once and served to every caller for up to `STATUS_CACHE_MS`, and callers who arrive while
 * it is being built wait for that one build. Progress may show up to `STATUS_CACHE_MS` late; the
 * changes a client acts on (the request closed, its webhook delivered) drop the request's answers at
 * once when this process makes them.
 *
 * The store is bounded by bytes and entries, keyed on the page as answered (a page past the end is
 * the last page), and holds nothing for a caller who may not see the request.
 */

export type StatusAnswer = { body: string; etag: string; owner: string | null };

/** What deciding who may see a request and which page is asked for needs: one row's worth. */
type RequestFacts = { owner: string | null; totalProducts: number; totalImages: number };

const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
const MAX_ANSWERS = 2_000;

function createStore() {
  const ttl = Math.max(1, config.statusCacheMs);
  return {
    answers: new LRUCache<string, StatusAnswer>({
      max: MAX_ANSWERS,
      maxSize: MAX_ANSWER_BYTES,
      // The text is what takes room; the key and object around it are small.
      sizeCalculation: (answer) => answer.body.length + 256,
      ttl,
    }),
    facts: new LRUCache<string, RequestFacts>({ max: MAX_ANSWERS, ttl }),
    /** Answers being built: callers who ask meanwhile wait for the same build. */
    building: new Map<string, Promise<StatusAnswer | null>>(),
  };
}

const store = processSingleton("status answers", createStore);

export type StatusQuestion = {
  requestId: string;
  products: boolean;
  page: number;
  pageSize: number;
  imageStatus?: ImageFilterState;
};

/** The answer to a status question; null for an unknown request or one this client may not see. */
export async function statusAnswer(client: Client, question: StatusQuestion): Promise<StatusAnswer | null> {
  const facts = await factsOf(question.requestId);
  if (!facts || !maySee(client, facts.owner)) return null;
  const { requestId, products, imageStatus } = question;
  if (!products) return cached(`${requestId}:light`, () => loadRequestStatusLight(requestId));
  if (imageStatus) {
    // How many images are in the state changes as the request runs; its images are a bound that does not.
    const { page, pageSize } = pageOf(facts.totalImages, question, MAX_PAGE_SIZE);
    return cached(`${requestId}:${imageStatus}:${page}:${pageSize}`, () =>
      loadRequestStatus({ requestId, page, pageSize, imageStatus }),
    );
  }
  const { page, pageSize } = pageOf(facts.totalProducts, question);
  return cached(`${requestId}:${page}:${pageSize}`, () => loadRequestStatus({ requestId, page, pageSize }));
}

/** What the store holds now: answers and their bytes (the metrics show it; tests check its bounds). */
export function statusStoreUsage(): { answers: number; bytes: number } {
  return { answers: store.answers.size, bytes: store.answers.calculatedSize };
}

/** The request changed here (closed, retried, its webhook delivered, deleted): its answers are built afresh. */
export function requestChanged(requestId: string) {
  store.facts.delete(requestId);
  for (const key of [...store.answers.keys()]) if (key.startsWith(`${requestId}:`)) store.answers.delete(key);
  for (const key of [...store.building.keys()]) if (key.startsWith(`${requestId}:`)) store.building.delete(key);
}

async function factsOf(requestId: string): Promise<RequestFacts | null> {
  const known = store.facts.get(requestId);
  if (known) return known;
  const request = await findRequest(requestId);
  if (!request) return null;
  const facts = { owner: request.owner, totalProducts: request.totalProducts, totalImages: request.totalImages };
  if (config.statusCacheMs > 0) store.facts.set(requestId, facts);
  return facts;
}

function cached(key: string, load: () => Promise<OwnedStatus<object> | null>): Promise<StatusAnswer | null> {
  if (config.statusCacheMs === 0) return load().then((loaded) => (loaded ? toAnswer(loaded) : null));
  const answer = store.answers.get(key);
  if (answer) return Promise.resolve(answer);
  const pending = store.building.get(key);
  if (pending) return pending;
  const build = load()
    .then((loaded) => {
      const built = loaded ? toAnswer(loaded) : null;
      // Dropped meanwhile by a change: the answer may be stale, so it is not kept.
      if (built && store.building.get(key) === build) store.answers.set(key, built);
      return built;
    })
    .finally(() => {
      if (store.building.get(key) === build) store.building.delete(key);
    });
  store.building.set(key, build);
  return build;
}

function toAnswer({ owner, status }: OwnedStatus<object>): StatusAnswer {
  const body = JSON.stringify(status);
  return { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`, owner };
}
