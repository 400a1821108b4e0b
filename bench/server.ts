import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { adoptChild, removeOnExit } from "./children";
import { get, sleep } from "./http";
import { treeRss } from "./rss";

/**
 * The production server as an outside client meets it: `next start` in a child process of its own,
 * with fresh database and storage folders, the app's defaults, and none of the developer's settings.
 */

export const APP_ROOT = path.resolve(import.meta.dirname, "..");
const NEXT_BIN = path.join(APP_ROOT, "node_modules/next/dist/bin/next");
const HEALTH_TIMEOUT_MS = 120_000;
const LOG_TAIL_CHARACTERS = 4_000;

// The app's own settings in a developer's shell (a .env exported, an S3 bucket, a log level) would
// change what is measured; each child gets only what the bench sets.
const APP_SETTING =
  /^(S3_|INNGEST_|WEBHOOK_|AUTH_|METRICS_|FETCH_|MAX_|MIN_|IMAGE_|RETRY_|LOG_|RETENTION_|SHUTDOWN_|RATE_|TRUST_PROXY$|DATABASE_URL$|PGLITE_DIR$|STORAGE_DIR$|JOB_RUNNER$|WORKER_|PUBLIC_BASE_URL$|PORT$)/;

/** The shell's environment without the app's settings, plus `settings`. */
export function childEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(process.env)) if (!APP_SETTING.test(name)) env[name] = value;
  return { ...env, ...settings } as NodeJS.ProcessEnv;
}

/**
 * For sections that import the app's modules into the bench process: they read their settings when
 * imported, so the process gets the defaults, as the servers do (and quiet logs).
 */
export function appDefaultsInThisProcess() {
  const appSettings = childEnv({});
  for (const name of Object.keys(process.env)) if (!(name in appSettings)) delete process.env[name];
  process.env.LOG_LEVEL = "warn";
}

/** Builds the app once: `next start` serves what `next build` left in .next/. */
export function ensureBuild() {
  if (existsSync(path.join(APP_ROOT, ".next/BUILD_ID"))) return;
  console.log("No production build in .next/: building it (next build) …");
  const env = childEnv({ NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" });
  const build = (extra: string[]) =>
    spawnSync(process.execPath, [NEXT_BIN, "build", ...extra], { cwd: APP_ROOT, env, stdio: "inherit" });
  if (build([]).status === 0) return;
  // Turbopack refuses a node_modules that is a symlink out of the project (a git worktree sharing
  // another checkout's install); webpack builds the same app from it.
  console.log("next build failed; trying again with webpack (next build --webpack) …");
  if (build(["--webpack"]).status !== 0) throw new Error("next build failed");
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export type ServerOptions = {
  /** PostgreSQL connection string; the embedded database (PGlite) when absent. */
  databaseUrl?: string;
  /** Folder for a V8 CPU profile of the server process, written when it stops. */
  cpuProfileDir?: string;
  name?: string;
  /** Settings beside the bench's own (which they override). */
  env?: Record<string, string>;
};

export type AppServer = {
  origin: string;
  pid: number;
  /** Resident memory of the server and its child processes, in bytes. */
  rss: () => number;
  /** The last lines the server wrote (warnings and errors: LOG_LEVEL=warn). */
  logTail: () => string;
  stop: () => Promise<void>;
};

export async function startServer({
  databaseUrl,
  cpuProfileDir,
  name = "server",
  env: settings = {},
}: ServerOptions = {}): Promise<AppServer> {
  const port = await freePort();
  const folder = mkdtempSync(path.join(os.tmpdir(), "csv-bench-server-"));
  const cleanUp = removeOnExit(folder);
  const env = childEnv({
    NODE_ENV: "production",
    FETCH_ALLOW_HOSTS: "127.0.0.1",
    LOG_LEVEL: "warn",
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl ?? "",
    PGLITE_DIR: path.join(folder, "pglite"),
    STORAGE_DIR: path.join(folder, "storage"),
    JOB_RUNNER: "inline",
    // The bench is one client uploading far more than a person would.
    RATE_LIMIT_UPLOADS_PER_MINUTE: "100000",
    RATE_LIMIT_IMAGES_PER_HOUR: "100000000",
    RATE_LIMIT_REQUESTS_AT_ONCE: "10000",
    RATE_LIMIT_SERVER_UPLOADS_PER_MINUTE: "10000000",
    RATE_LIMIT_SERVER_IMAGES_PER_HOUR: "1000000000",
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_MANUAL_SIG_HANDLE: "true",
    // Health decides when a server is up: this machine's free disk must not keep it down.
    MIN_FREE_DISK_BYTES: "0",
    ...settings,
  });
  // With NEXT_MANUAL_SIG_HANDLE nothing exits cleanly on SIGTERM, and V8 writes a CPU profile only on
  // a clean exit: the profiled server gets a one-line handler that exits.
  const profiling = cpuProfileDir
    ? [
        "--cpu-prof",
        `--cpu-prof-dir=${cpuProfileDir}`,
        "--require",
        path.join(import.meta.dirname, "exit-on-signal.cjs"),
      ]
    : [];
  const child = spawn(process.execPath, [...profiling, NEXT_BIN, "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: APP_ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stopChild = adoptChild(child, name);
  let log = "";
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-LOG_TAIL_CHARACTERS));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);

  const origin = `http://127.0.0.1:${port}`;
  const server: AppServer = {
    origin,
    pid: child.pid!,
    rss: () => treeRss(child.pid!),
    logTail: () => log,
    stop: async () => {
      await stopChild();
      rmSync(folder, { recursive: true, force: true });
      cleanUp.forget();
    },
  };
  try {
    await waitForHealth(origin, () => child.exitCode ?? child.signalCode);
  } catch (error) {
    await server.stop();
    throw new Error(`${name} did not become healthy: ${(error as Error).message}\n--- its output ---\n${log}`);
  }
  return server;
}

async function waitForHealth(origin: string, exited: () => number | string | null) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (exited() !== null) throw new Error(`it exited (${exited()})`);
    try {
      const reply = await get(`${origin}/api/health`);
      if (reply.status === 200) return;
      last = `health ${reply.status}: ${reply.body.toString().slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`no 200 from /api/health within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last})`);
}
