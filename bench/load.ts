import type http from "node:http";
import { get, keepAliveAgent, since } from "./http";

/** Concurrent client loops against one URL, and the latency figures they produce. */

export type LoadResult = {
  calls: number;
  errors: number;
  seconds: number;
  callsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  /** Body size of the last good answer, in bytes. */
  bodyBytes: number;
  /** CPU the bench process (the load generator) used meanwhile, in seconds. */
  clientCpuSeconds: number;
  /** Time to open every client's connection (one untimed call each) before the loops started. */
  connectMs: number;
};

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/**
 * `clients` loops each calling GET `url` back to back for `durationMs`. Calls still in flight at the
 * end are waited for and counted, and the rate is over the time until the last one finished.
 *
 * Every client's keep-alive connection is opened first, untimed: a busy server takes a new connection
 * only every few hundred milliseconds, and polling clients keep theirs open, so the figures are about
 * calls, not about connecting.
 */
export async function runLoops({
  url,
  clients,
  durationMs,
  agent = keepAliveAgent(clients),
}: {
  url: string;
  clients: number;
  durationMs: number;
  agent?: http.Agent;
}): Promise<LoadResult> {
  const connectStart = performance.now();
  await Promise.all(Array.from({ length: clients }, () => get(url, agent)));
  const connectMs = since(connectStart);

  const latencies: number[] = [];
  let errors = 0;
  let bodyBytes = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + durationMs;
  const loop = async () => {
    while (performance.now() < end) {
      const callStart = performance.now();
      try {
        const reply = await get(url, agent);
        if (reply.status === 200) bodyBytes = reply.body.length;
        else errors++;
      } catch {
        errors++;
      }
      latencies.push(since(callStart));
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  const seconds = since(start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    errors,
    seconds,
    callsPerSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    bodyBytes,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    connectMs,
  };
}
