import { config } from "@/lib/config";

/**
 * How background work is tried again: one policy, read by both runners. The in-process runner
 * schedules its retries with it; the Inngest functions are declared with its counts and end a step
 * at the same attempt. Which failures are worth another attempt is `lib/fetch/transient.ts`'s call.
 */
export const retryPolicy = {
  /** Attempts at an image: download, compress, store (IMAGE_MAX_ATTEMPTS). */
  imageAttempts: config.jobs.maxAttempts,
  /** Attempts at writing a finished request's output CSV before it is closed without one. */
  finishAttempts: 5,
  /** Attempts at delivering a finished request's webhook (WEBHOOK_MAX_ATTEMPTS). */
  webhookAttempts: config.webhook.maxAttempts,
  /**
   * A request nothing has happened to for this long has lost its runs, and the sweep sends its work
   * again: no image was recorded, and the longest wait between two attempts is far shorter.
   */
  stalledAfterMs: 60 * 60_000,
};

/** The longest wait between two attempts, whether backoff chose it or a server asked (Retry-After). */
export const MAX_RETRY_DELAY_MS = 5 * 60_000;

/** Exponential backoff with full jitter: spreads retries so a struggling server is not hit in step. */
export function retryDelay(attempt: number, baseMs = config.jobs.retryBaseMs): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** The wait after this service's own side failed (the database, a write) before trying again. */
export const ourFailureDelay = () => retryDelay(3);
