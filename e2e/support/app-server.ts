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
    NEXT_TELEMETRY_DISABLED: "1",
  };
}

/**
 * Settings from the developer's shell that would send the app elsewhere (a real bucket, a real
 * webhook, Inngest) are removed; an empty value would not do, they must be valid URLs when set.
 */
const UNSET = [
  "WEBHOOK_URL",
  "WEBHOOK_SECRET",
  "S3_ENDPOINT",
  "S3_PUBLIC_BASE_URL",
  "INNGEST_DEV",
  "INNGEST_BASE_URL",
  "INNGEST_EVENT_KEY",
  "INNGEST_SIGNING_KEY",
];

/** A shell command that wipes the data folder and starts `next start` (run from the repository root). */
export function appServerCommand({
  dataDir = E2E_DATA_DIR,
  port = APP_PORT,
  clean = true,
}: { dataDir?: string; port?: number; clean?: boolean } = {}): string {
  return [
    `unset ${UNSET.join(" ")}`,
    clean ? `rm -rf ${dataDir}` : "true",
    `exec npx next start -H 127.0.0.1 -p ${port}`,
  ].join(" && ");
}
