import path from "node:path";
import { defineConfig } from "vitest/config";

/**
 * Unit and integration tests (`*.test.ts` beside the code). Integration tests that use the database
 * are named `*.integration.test.ts`; when `DATABASE_URL` is set they run a second time against
 * PostgreSQL, so the same code and queries are proven on both databases.
 */
const root = import.meta.dirname;

const sharedEnv = {
  NODE_ENV: "test" as const,
  STORAGE_DIR: path.join(root, ".data/test-storage"),
  PUBLIC_BASE_URL: "http://127.0.0.1:3999",
  // Test image servers listen on the loopback interface, which the SSRF guard blocks by default.
  FETCH_ALLOW_HOSTS: "127.0.0.1,localhost,::1",
  RETRY_BASE_MS: "20",
  FETCH_TIMEOUT_MS: "1500",
  IMAGE_MAX_ATTEMPTS: "3",
  FETCH_CONNECT_TIMEOUT_MS: "1000",
  // Error paths are tested on purpose; LOG_LEVEL=info npm run test:unit shows their log lines.
  LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
  // Health answers from fresh probes, so a test sees a part go down at once.
  HEALTH_CACHE_MS: "0",
  STATUS_CACHE_MS: "0",
  // Whatever this machine's free disk, health is about the service here (its own tests set a limit).
  MIN_FREE_DISK_BYTES: "0",
  // Every test client shares one address; the rate-limit tests set their own limits.
  RATE_LIMIT_UPLOADS_PER_MINUTE: "100000",
  RATE_LIMIT_IMAGES_PER_HOUR: "100000000",
  RATE_LIMIT_REQUESTS_AT_ONCE: "10000",
  RATE_LIMIT_SERVER_UPLOADS_PER_MINUTE: "10000000",
  RATE_LIMIT_SERVER_IMAGES_PER_HOUR: "1000000000",
};

const base = {
  resolve: {
    alias: {
      "@": root,
      // `server-only` throws outside React Server Components; tests import server modules directly.
      "server-only": path.join(root, "node_modules/next/dist/compiled/server-only/empty.js"),
    },
  },
};

const databaseUrl = process.env.DATABASE_URL;

// Projects do not inherit the root's test options, so each gets these.
const projectOptions = { testTimeout: 30_000, hookTimeout: 60_000, setupFiles: ["test/setup.ts"] };

export default defineConfig({
  ...base,
  test: {
    pool: "forks",
    projects: [
      {
        ...base,
        test: {
          ...projectOptions,
          name: "pglite",
          include: ["{app,lib,db,inngest,components,test,bin}/**/*.test.ts"],
          env: { ...sharedEnv, DATABASE_URL: "", PGLITE_DIR: "memory://" },
        },
      },
      ...(databaseUrl
        ? [
            {
              ...base,
              test: {
                ...projectOptions,
                name: "postgres",
                include: ["{app,lib,db,inngest}/**/*.integration.test.ts"],
                globalSetup: ["test/reset-postgres.ts"],
                env: { ...sharedEnv, DATABASE_URL: databaseUrl },
              },
            },
          ]
        : []),
    ],
  },
});
