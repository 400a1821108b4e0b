import { APP_PORT, APP_URL } from "./ports";

/**
 * How the e2e run starts the production build (`next build` first). Shared with specs that start a
 * server of their own (a restart test), so every server runs with the same settings.
 */

/** Fresh for every run: the command below deletes it before the server starts. */
export const E2E_DATA_DIR = ".data/e2e";

/**
 * Settings of the app under test: always PGlite and local storage in their own folders, loopback image
 * servers let through the SSRF guard, output links on the loopback address.
 */
export function appServerEnv({
  dataDir = E2E_DATA_DIR,
  port = APP_PORT,
}: { dataDir?: string; port?: number } = {}): Record<string, string> {
  return {
    PORT: String(port),
    PUBLIC_BASE_URL: port === APP_PORT ? APP_URL : `http://127.0.0.1:${port}`,
    DATABASE_URL: "",
    PGLITE_DIR: `${dataDir}/pglite`,
    STORAGE_DIR: `${dataDir}/storage`,
    S3_BUCKET: "",
    JOB_RUNNER: "inline",
    FETCH_ALLOW_HOSTS: "127.0.0.1,localhost",
    FETCH_TIMEOUT_MS: "10000",
    RETRY_BASE_MS: "200",
    // Every spec's client calls from 127.0.0.1: one address, far more uploads a minute than a person.
    RATE_LIMIT_UPLOADS_PER_MINUTE: "10000",
    RATE_LIMIT_REQUESTS_AT_ONCE: "1000",
    RATE_LIMIT_SERVER_UPLOADS_PER_MINUTE: "1000000",
    // Whatever the test machine's free disk: health is about the service under test.
    MIN_FREE_DISK_BYTES: "0",
    // One origin whose pages may call the API (e2e/http-conventions.spec.ts); every other is refused.
    CORS_ALLOW_ORIGINS: "https://shop.example",
    NEXT_TELEMETRY_DISABLED: "1",
    // As `npm start` runs it: the service stops itself cleanly on SIGTERM (lib/shutdown.ts).
    NEXT_MANUAL_SIG_HANDLE: "true",
  };
}

/**
 * The service's settings that a developer's shell may hold (a real bucket, a real webhook, Inngest,
 * keys mode): none of them may reach a server under test, whatever their name.
 */
const SETTING =
  /^(S3_|INNGEST_|WEBHOOK_|AUTH_|METRICS_|FETCH_|MAX_|MIN_|IMAGE_|RETRY_|LOG_|RETENTION_|SHUTDOWN_|RATE_|UPLOADS_|CORS_|TRUST_PROXY$|DATABASE_URL$|PGLITE_DIR$|STORAGE_DIR$|JOB_RUNNER$|WORKER_|PUBLIC_BASE_URL$|PORT$)/;

function outsideSettings(): string[] {
  return Object.keys(process.env).filter((name) => SETTING.test(name));
}

/** The whole environment of a server a spec starts itself: the shell's settings removed, the run's added. */
export function appServerProcessEnv(options: { dataDir?: string; port?: number } = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of outsideSettings()) delete env[name];
  return { ...env, ...appServerEnv(options) };
}

/**
 * A shell command that wipes the data folder and starts `next start` (run from the repository root).
 * Playwright adds its own environment to the command's, so the shell's settings are unset first.
 */
export function appServerCommand({
  dataDir = E2E_DATA_DIR,
  port = APP_PORT,
  clean = true,
}: { dataDir?: string; port?: number; clean?: boolean } = {}): string {
  const unset = outsideSettings();
  return [
    unset.length ? `unset ${unset.join(" ")}` : "true",
    clean ? `rm -rf ${dataDir}` : "true",
    `exec npx next start -H 127.0.0.1 -p ${port}`,
  ].join(" && ");
}
