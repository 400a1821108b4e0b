import { getStatus, productCsv, uploadCsv } from "../client";
import { describeLoopDelay, eventLoopDelay } from "../event-loop";
import { get, sleep } from "../http";
import { type LoadResult, runLoops } from "../load";
import { photoJpeg } from "../photos";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { startServer } from "../server";
import type { Section } from "./section";

const ROWS = 10_000;
const URLS_PER_ROW = 5;
const CLIENTS = 50;
const DURATION_MS = 10_000;
// With a handful of workers, 50,000 images at 200 ms each keep the request processing for many minutes.
const IMAGE_DELAY_MS = 200;
const WARM_UP_CALLS = 100;

type Light = { supported: boolean; defaultBytes: number; lightBytes: number };

/**
 * Whether `?products=0` gives a lighter answer than the default form: no products array, or a body
 * under half the size (progress counters change between two calls, so equal forms differ by a few bytes).
 */
async function detectLightForm(statusUrl: string): Promise<Light> {
  const [full, light] = await Promise.all([get(statusUrl), get(`${statusUrl}?products=0`)]);
  const lightBody = light.status === 200 ? (JSON.parse(light.body.toString()) as { products?: unknown }) : null;
  const supported =
    lightBody !== null && (!Array.isArray(lightBody.products) || light.body.length < full.body.length / 2);
  return { supported, defaultBytes: full.body.length, lightBytes: light.body.length };
}

function clientCpu(result: LoadResult) {
  return `${num(result.clientCpuSeconds)} s (${num((result.clientCpuSeconds / result.seconds) * 100, 0)}% of one core)`;
}

export const status: Section = {
  name: "status",
  title: `3. status: ${CLIENTS} clients polling a ${(ROWS * URLS_PER_ROW).toLocaleString("en-US")}-image request while it processes (${DURATION_MS / 1000} s per run)`,
  async run({ imageHost }) {
    const host = await imageHost();
    const tiny = await photoJpeg(64, 48, 7);
    await host.serve([{ prefix: "/slow/", file: tiny.file, delayMs: IMAGE_DELAY_MS }]);
    const server = await startServer({ name: "status server" });
    try {
      const csv = productCsv(
        Array.from({ length: ROWS }, (_, row) =>
          Array.from({ length: URLS_PER_ROW }, (_, k) => host.url(`/slow/${row}-${k}.jpg`)),
        ),
      );
      const { accepted } = await uploadCsv(server.origin, csv, "status.csv");
      const statusUrl = `${server.origin}/api/csv/status/${accepted.requestId}`;
      const trivialUrl = `${server.origin}/api/openapi.json`;
      await sleep(1_000);
      for (let i = 0; i < WARM_UP_CALLS; i++) await Promise.all([get(statusUrl), get(trivialUrl)]);

      const runs: { name: string; result: LoadResult }[] = [];
      const measure = async (name: string, url: string) => {
        const result = await runLoops({ url, clients: CLIENTS, durationMs: DURATION_MS });
        runs.push({ name, result });
        return result;
      };
      const loop = eventLoopDelay(server.origin);
      await loop.start();
      const statusRun = await measure("status (default form: page of 50 products)", statusUrl);
      const loopDelay = await loop.read();
      const trivialRun = await measure("GET /api/openapi.json (trivial route, baseline)", trivialUrl);
      const light = await detectLightForm(statusUrl);
      if (light.supported) await measure("status ?products=0 (light form)", `${statusUrl}?products=0`);
      const after = await getStatus(server.origin, accepted.requestId);

      printTable(
        ["run", "calls", "errors", "calls/s", "p50 ms", "p99 ms", "max ms", "body bytes", "client CPU", "connect ms"],
        runs.map(({ name, result }) => [
          name,
          result.calls,
          result.errors,
          result.callsPerSecond,
          result.p50,
          result.p99,
          result.max,
          result.bodyBytes,
          clientCpu(result),
          result.connectMs,
        ]),
      );
      if (!light.supported) console.log("   light form: not supported by this server");
      console.log(
        `   request still ${after.status} at the end: ${after.progress.processedImages + after.progress.failedImages} of ` +
          `${after.progress.totalImages} images finished; ${CLIENTS} keep-alive connections per run (node:http Agent), ` +
          `all opened before the clock starts ("connect ms": one untimed call each)`,
      );
      console.log(`   during the status run: ${describeLoopDelay(loopDelay)}`);

      const figures: Figure[] = [
        {
          name: "50 clients polling status of a 50k request ÷ trivial route",
          value: statusRun.callsPerSecond,
          unit: "calls/s",
          baseline: trivialRun.callsPerSecond,
          baselineName: "/api/openapi.json",
          ratio: ratioOf(statusRun.callsPerSecond, trivialRun.callsPerSecond),
          target: { on: "ratio", atLeast: 0.5, text: "≥ 0.5" },
        },
        {
          name: "status latency p99 ÷ p50 (50 clients)",
          value: statusRun.p99,
          unit: "ms",
          baseline: statusRun.p50,
          baselineName: "p50",
          ratio: ratioOf(statusRun.p99, statusRun.p50),
          target: { on: "ratio", atMost: 3, text: "≤ 3" },
        },
        {
          name: "status latency p99 (50 clients)",
          value: statusRun.p99,
          unit: "ms",
          baseline: trivialRun.p99,
          baselineName: "/api/openapi.json p99",
          ratio: ratioOf(statusRun.p99, trivialRun.p99),
          target: { on: "value", atMost: 500, text: "≤ 500 ms" },
        },
        {
          name: "event-loop delay p99 while 50 clients poll status",
          value: loopDelay.p99Ms,
          unit: "ms",
          baseline: null,
          baselineName: "none",
          ratio: null,
          target: { on: "value", text: "reported" },
        },
      ];
      figures.forEach(printFigure);
      return {
        figures,
        details: {
          runs,
          loopDelay,
          lightForm: light,
          stillProcessing: after.status === "processing",
          progress: after.progress,
        },
      };
    } finally {
      await server.stop();
    }
  },
};
