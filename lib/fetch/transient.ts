import type { IncomingHttpHeaders } from "node:http";
import { RequestError } from "./request-errors";
import { parseRetryAfter } from "./retry-after";

/**
 * Whether an outbound request that failed could succeed if tried later: one verdict for image
 * downloads and webhook deliveries, so both give up on the same answers and retry the same ones.
 */

/** 408 (timed out), 429 (too many requests) and every 5xx; any other answer will be the same next time. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Timeouts, resets, a temporary DNS failure, anything unexpected; not an address the guard refuses,
 * a name that does not exist, a failed TLS handshake or a response over its limit.
 */
export function isTransientError(error: unknown): boolean {
  return error instanceof RequestError ? error.retryable : true;
}

/** The wait a server asked for with a transient answer (`Retry-After`), in milliseconds. */
export function requestedWait(headers: IncomingHttpHeaders): number | undefined {
  return parseRetryAfter(headers["retry-after"]);
}
