import { type ChildProcess, spawn } from "node:child_process";
import { expect } from "@playwright/test";
import { appServerProcessEnv } from "./app-server";
import { PRODUCT_CSV_HEADER } from "@/test/product-csv";

/**
 * A production server a spec starts, stops and kills itself (restarts, shutdowns, two owners of
 * one data folder), with the same settings as the run's own server.
 */
export type ServerProcess = {
  origin: string;
  pid: number;
  /** What the process wrote to stderr and stdout so far (its log lines). */
  output: () => string;
  /** Resolves when the process has ended, with its exit code. */
  exited: Promise<number | null>;
  signal: (signal: NodeJS.Signals) => void;
};

export function startServerProcess({
  dataDir,
  port,
  env = {},
  standalone = false,
  dev = false,
}: {
  dataDir: string;
  port: number;
  env?: Record<string, string>;
  /** Runs `.next/standalone/server.js` (what the Docker image runs) instead of `next start`; give an absolute dataDir. */
  standalone?: boolean;
  /** Runs `next dev`, as the README's `npm run dev` does, instead of `next start`. */
  dev?: boolean;
}): ServerProcess {
  const command = standalone
    ? ["server.js"]
    : ["node_modules/next/dist/bin/next", dev ? "dev" : "start", "-H", "127.0.0.1", "-p", String(port)];
  const child: ChildProcess = spawn(process.execPath, command, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    cwd: standalone ? ".next/standalone" : undefined,
    env: { ...appServerProcessEnv({ dataDir, port }), HOSTNAME: "127.0.0.1", ...env },
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output: () => output,
    exited,
    signal: (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    },
  };
}

export async function waitForHealth(origin: string, timeout = 60_000) {
  await expect
    .poll(async () => (await fetch(`${origin}/api/health`).catch(() => null))?.status ?? 0, {
      timeout,
      intervals: [250],
    })
    .toBe(200);
}

/** Uploads a CSV of one product per URL, with the form's other `fields`; returns the 202's body. */
export async function uploadUrls(
  origin: string,
  urls: string[],
  fileName = "products.csv",
  fields: Record<string, string> = {},
) {
  const rows = urls.map((url, i) => `${i + 1},Product ${i + 1},${url}`).join("\n");
  const form = new FormData();
  form.set("file", new File([`${PRODUCT_CSV_HEADER}\n${rows}\n`], fileName, { type: "text/csv" }));
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const response = await fetch(`${origin}/api/csv/upload`, { method: "POST", body: form });
  expect(response.status).toBe(202);
  return (await response.json()) as { requestId: string; images: number; downloadUrl: string };
}

export async function statusOf(origin: string, requestId: string) {
  return (await fetch(`${origin}/api/csv/status/${requestId}?pageSize=100`)).json();
}

/**
 * The request finished with every image processed and counted once (the byte total is exactly the
 * sum over its images), every output file served, and an output CSV of one row per product.
 */
export async function expectCompletedOnce(origin: string, requestId: string, count: number) {
  await expect
    .poll(async () => (await statusOf(origin, requestId)).status, { timeout: 60_000, intervals: [250] })
    .toBe("completed");
  const final = await statusOf(origin, requestId);
  // The images share their bytes: after the first, some may be copies of it (reusedImages).
  expect(final.progress).toMatchObject({
    totalImages: count,
    processedImages: count,
    failedImages: 0,
    cancelledImages: 0,
    percent: 100,
  });
  const images: { status: string; bytesIn: number; outputUrl: string }[] = final.products.flatMap(
    (product: { images: unknown[] }) => product.images,
  );
  expect(images.every((image) => image.status === "completed")).toBe(true);
  expect(final.totals.bytesIn).toBe(images.reduce((sum, image) => sum + image.bytesIn, 0));
  for (const image of images) {
    const response = await fetch(image.outputUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
  }
  const csv = await (await fetch(`${origin}${final.downloadUrl}`)).text();
  expect(csv.trim().split("\r\n")).toHaveLength(count + 1);
  expect(csv).not.toMatch(/,\s*$/m);
}
