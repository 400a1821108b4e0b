import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";
import { appServerCommand, appServerEnv } from "./e2e/support/app-server";
import { APP_URL } from "./e2e/support/ports";

/**
 * Browser tests against the production build (`next build` first, then `npm run test:e2e`).
 * Everything stays on the loopback interface: the app, the local image server, Chromium with its
 * background services off.
 */

// CHROMIUM_PATH names a Chromium to use; else the system's (Debian's /usr/bin/chromium, as CI uses);
// else Playwright's own, installed once with `npx playwright install chromium`.
const SYSTEM_CHROMIUM = "/usr/bin/chromium";
const chromiumPath = process.env.CHROMIUM_PATH || (existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : undefined);
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  globalSetup: "./e2e/support/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: APP_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          executablePath: chromiumPath,
          args: [
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--no-sandbox",
          ],
        },
      },
    },
  ],
  // Started before globalSetup, so the command itself wipes the e2e data folder.
  webServer: {
    command: appServerCommand(),
    cwd: import.meta.dirname,
    env: appServerEnv(),
    url: `${APP_URL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
  },
});
