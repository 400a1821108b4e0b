import { getStatus, productCsv, uploadCsv } from "../client";
import { describeLoopDelay, eventLoopDelay, type LoopDelay } from "../event-loop";
import { get, keepAliveAgent, since, sleep } from "../http";
import type { ImageHost } from "../image-host";
import { percentile } from "../load";
import { imageSet, photoJpeg } from "../photos";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { type AppServer, startServer } from "../server";
import type { Section } from "./section";

/**
 * Whether one client's work can take the server from the others: a trivial route and health are
 * timed by one client calling back to back, first on the idle server (the baseline, same server, same
 * run), then while a hostile or heavy load runs. The server's own event-loop delay is printed for each.
 */

const REFUSED_ROWS = 10_000;
const REFUSED_PER_ROW = 5;
const BIG_UPLOADS = 10;
const BIG_ROWS = 10_000;
const BIG_PER_ROW = 5;
/** Long URLs, as CDNs write them, bring one CSV close to the 10 MB limit. */
const BIG_URL_PADDING = 140;
const BUSY_IMAGES = 5_000;
const BUSY_DISTINCT = 500;
const LATE_ROWS = 10_000;
const LATE_PER_ROW = 5;
const IDLE_MS = 3_000;

type Calls = { calls: number; p50: number; p99: number; max: number };

/** One client calling `url` back to back until `until` resolves; the latency of every call. */
async function callWhile(url: string, until: Promise<unknown>): Promise<Calls> {
  const agent = keepAliveAgent(1);
  await get(url, agent);
  const latencies: number[] = [];
  let done = false;
  until.finally(() => (done = true)).catch(() => {});
  while (!done) {
    const start = performance.now();
    await get(url, agent);
    latencies.push(since(start));
  }
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
  };
}

async function untilFinished(origin: string, requestId: string) {
  while ((await getStatus(origin, requestId)).status === "processing") await sleep(250);
}

type Load = { name: string; idle: Calls; busy: Calls; loopDelay: LoopDelay; seconds: number };

/** The route's latency on the idle server, then while `load` runs. */
async function underLoad(server: AppServer, route: string, name: string, load: () => Promise<unknown>): Promise<Load> {
  const url = `${server.origin}${route}`;
  const idle = await callWhile(url, sleep(IDLE_MS));
  const loop = eventLoopDelay(server.origin);
  await loop.start();
  const start = performance.now();
  const running = load();
  const busy = await callWhile(url, running);
  await running;
  return { name, idle, busy, loopDelay: await loop.read(), seconds: since(start) / 1000 };
}

/**
 * 50,000 image URLs that the address guard refuses before any connection (loopback, not allowed on
 * a production server): every image fails at once, then again when the request is retried.
 */
async function refusedImages(): Promise<Load[]> {
  const server = await startServer({ name: "refusals server", env: { FETCH_ALLOW_HOSTS: "" } });
  try {
    const csv = productCsv(
      Array.from({ length: REFUSED_ROWS }, (_, row) =>
        Array.from({ length: REFUSED_PER_ROW }, (_, k) => `http://127.0.0.1/refused/${row}-${k}.jpg`),
      ),
    );
    let requestId = "";
    let cookie: string | null = null;
    const first = await underLoad(server, "/api/openapi.json", "50,000 refused images", async () => {
      const upload = await uploadCsv(server.origin, csv, "refused.csv");
      requestId = upload.accepted.requestId;
      cookie = upload.cookie;
      await untilFinished(server.origin, requestId);
    });
    const retry = await underLoad(server, "/api/openapi.json", "their retry", async () => {
      const response = await fetch(`${server.origin}/api/csv/requests/${requestId}/retry`, {
        method: "POST",
        headers: cookie ? { cookie } : {},
      });
      if (response.status !== 202) throw new Error(`retry answered ${response.status}: ${await response.text()}`);
      await untilFinished(server.origin, requestId);
    });
    const final = await getStatus(server.origin, requestId);
    if (final.progress.failedImages !== REFUSED_ROWS * REFUSED_PER_ROW) {
      throw new Error(`expected every image refused, got ${JSON.stringify(final.progress)}`);
    }
    return [first, retry];
  } finally {
    await server.stop();
  }
}

/** Ten CSVs of nearly 10 MB (50,000 long URLs each) arriving at once. */
async function bigUploads(host: ImageHost): Promise<Load> {
  const server = await startServer({ name: "uploads server" });
  try {
    const padding = "x".repeat(BIG_URL_PADDING);
    const csvs = Array.from({ length: BIG_UPLOADS }, (_, upload) =>
      productCsv(
        Array.from({ length: BIG_ROWS }, (_, row) =>
          Array.from({ length: BIG_PER_ROW }, (_, k) => host.url(`/hang/big-${upload}/${row}-${k}-${padding}.jpg`)),
        ),
      ),
    );
    console.log(`   each big CSV is ${num(Buffer.byteLength(csvs[0]) / 1024 / 1024)} MiB`);
    return await underLoad(server, "/api/health", `${BIG_UPLOADS} uploads of 10 MB at once`, () =>
      Promise.all(csvs.map((csv, index) => uploadCsv(server.origin, csv, `big-${index}.csv`))),
    );
  } finally {
    await server.stop();
  }
}

async function cancel(origin: string, requestId: string, cookie: string | null) {
  const response = await fetch(`${origin}/api/csv/requests/${requestId}/cancel`, {
    method: "POST",
    headers: cookie ? { cookie } : {},
  });
  if (response.status !== 202) throw new Error(`cancel answered ${response.status}: ${await response.text()}`);
}

/** A 10,000-row upload while another request's 5,000 photos are being compressed. */
async function uploadWhileBusy(host: ImageHost) {
  const photos = await imageSet(BUSY_DISTINCT, (seed) => photoJpeg(800, 600, seed), 20_000);
  await host.serve(photos.map((photo, index) => ({ path: `/busy/${index}.jpg`, file: photo.file })));
  const server = await startServer({ name: "busy server" });
  try {
    const late = (run: string) =>
      productCsv(
        Array.from({ length: LATE_ROWS }, (_, row) =>
          Array.from({ length: LATE_PER_ROW }, (_, k) => host.url(`/hang/${run}/${row}-${k}.jpg`)),
        ),
      );
    // On the idle server first: the same upload's time with nothing else to do. Its images would
    // hold the workers (their host never answers): it is cancelled before the busy request comes.
    const idle = await uploadCsv(server.origin, late("idle"), "late.csv");
    await cancel(server.origin, idle.accepted.requestId, idle.cookie);
    const busyCsv = productCsv(
      Array.from({ length: BUSY_IMAGES / 5 }, (_, row) =>
        Array.from({ length: 5 }, (_, k) => host.url(`/busy/${(row * 5 + k) % BUSY_DISTINCT}.jpg?copy=${row}-${k}`)),
      ),
    );
    const busy = await uploadCsv(server.origin, busyCsv, "busy.csv");
    await sleep(1_000);
    const during = await getStatus(server.origin, busy.accepted.requestId);
    const loop = eventLoopDelay(server.origin);
    await loop.start();
    const timed = await uploadCsv(server.origin, late("busy"), "late.csv");
    const loopDelay = await loop.read();
    const after = await getStatus(server.origin, busy.accepted.requestId);
    const finished = (status: typeof during) => status.progress.processedImages + status.progress.failedImages;
    return {
      idleMs: idle.ms,
      busyMs: timed.ms,
      loopDelay,
      busyProgress: { before: finished(during), after: finished(after), total: BUSY_IMAGES },
    };
  } finally {
    await server.stop();
  }
}

export const eventLoop: Section = {
  name: "loop",
  title: "4. the event loop under load: a trivial route, health and uploads while one client floods the server",
  async run({ imageHost }) {
    const host = await imageHost();
    await host.serve([{ prefix: "/hang/", hang: true }]);
    const refusals = await refusedImages();
    const uploads = await bigUploads(host);
    const late = await uploadWhileBusy(host);

    const loads = [...refusals, uploads];
    printTable(
      [
        "load",
        "route",
        "idle p99 ms",
        "idle max ms",
        "busy calls",
        "busy p50 ms",
        "busy p99 ms",
        "busy max ms",
        "load s",
        "loop p99 ms",
      ],
      loads.map((load, index) => [
        load.name,
        index < refusals.length ? "/api/openapi.json" : "/api/health",
        load.idle.p99,
        load.idle.max,
        load.busy.calls,
        load.busy.p50,
        load.busy.p99,
        load.busy.max,
        load.seconds,
        load.loopDelay.p99Ms,
      ]),
    );
    for (const load of loads) console.log(`   ${load.name}: ${describeLoopDelay(load.loopDelay)}`);
    console.log(
      `   10,000-row upload: ${num(late.idleMs)} ms on the idle server, ${num(late.busyMs)} ms while another request ` +
        `was processing (${late.busyProgress.before} → ${late.busyProgress.after} of its ${late.busyProgress.total} images ` +
        `finished meanwhile); ${describeLoopDelay(late.loopDelay)}`,
    );

    const [first, retry] = refusals;
    const figures: Figure[] = [
      {
        name: "slowest /api/openapi.json answer while 50,000 refused images fail",
        value: first.busy.max,
        unit: "ms",
        baseline: first.idle.max,
        baselineName: "the same route on the idle server, slowest",
        ratio: ratioOf(first.busy.max, first.idle.max),
        target: { on: "value", atMost: 250, text: "≤ 250 ms" },
      },
      {
        name: "same while their retry fails",
        value: retry.busy.max,
        unit: "ms",
        baseline: retry.idle.max,
        baselineName: "idle, slowest",
        ratio: ratioOf(retry.busy.max, retry.idle.max),
        target: { on: "value", atMost: 250, text: "≤ 250 ms" },
      },
      {
        name: "50,000 refused images: time from upload to failed",
        value: first.seconds,
        unit: "s",
        baseline: null,
        baselineName: "none",
        ratio: null,
        target: { on: "value", text: "reported: they still finish promptly" },
      },
      {
        name: `/api/health p99 while ${BIG_UPLOADS} uploads of 10 MB arrive at once`,
        value: uploads.busy.p99,
        unit: "ms",
        baseline: uploads.idle.p99,
        baselineName: "health p99 on the idle server",
        ratio: ratioOf(uploads.busy.p99, uploads.idle.p99),
        target: { on: "value", atMost: 200, text: "≤ 200 ms" },
      },
      {
        name: "10,000-row upload accepted while another request's 5,000 images process",
        value: late.busyMs / 1000,
        unit: "s",
        baseline: late.idleMs / 1000,
        baselineName: "the same upload on the idle server",
        ratio: ratioOf(late.busyMs, late.idleMs),
        target: { on: "value", atMost: 1, text: "≤ 1 s" },
      },
    ];
    figures.forEach(printFigure);
    return { figures, details: { loads, uploadWhileBusy: late } };
  },
};
