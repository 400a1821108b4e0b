import { get } from "./http";

/**
 * The server's event-loop delay, as it reports it at /api/metrics (prom-client's
 * `nodejs_eventloop_lag_*`, sampled every 10 ms and reset at every scrape): call `start()` before a
 * load and `read()` after it for the delay over that load alone.
 */

export type LoopDelay = { p50Ms: number; p99Ms: number; maxMs: number };

async function scrape(origin: string): Promise<LoopDelay> {
  const reply = await get(`${origin}/api/metrics`);
  if (reply.status !== 200) throw new Error(`/api/metrics answered ${reply.status}`);
  const text = reply.body.toString();
  const seconds = (name: string) => {
    const match = new RegExp(`^${name} ([0-9.eE+-]+)`, "m").exec(text);
    return match ? Number(match[1]) * 1000 : NaN;
  };
  return {
    p50Ms: seconds("nodejs_eventloop_lag_p50_seconds"),
    p99Ms: seconds("nodejs_eventloop_lag_p99_seconds"),
    maxMs: seconds("nodejs_eventloop_lag_max_seconds"),
  };
}

export function eventLoopDelay(origin: string) {
  return {
    /** Resets the server's histogram: what `read()` reports starts now. */
    start: async () => void (await scrape(origin)),
    read: () => scrape(origin),
  };
}

export const describeLoopDelay = (delay: LoopDelay) =>
  `event-loop delay p99 ${delay.p99Ms.toFixed(1)} ms, max ${delay.maxMs.toFixed(1)} ms`;
