import { config } from "@/lib/config";

const MAX_DELAY_MS = 5 * 60_000;

/** Exponential backoff with full jitter: spreads retries so a struggling server is not hit in step. */
export function retryDelay(attempt: number, baseMs = config.jobs.retryBaseMs): number {
  const ceiling = Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
