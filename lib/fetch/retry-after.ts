import { MAX_RETRY_DELAY_MS } from "@/lib/jobs/retry-policy";

/**
 * Reads a `Retry-After` header (RFC 9110: a number of seconds or an HTTP-date) as milliseconds from
 * now, capped at `capMs`. A date in the past means "now" (0). Unreadable values give undefined.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  { now = Date.now(), capMs = MAX_RETRY_DELAY_MS }: { now?: number; capMs?: number } = {},
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    // Only the date forms HTTP allows; Date.parse alone would also accept "1.5" or "2".
    if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - now);
  }
  return Math.min(ms, capMs);
}
