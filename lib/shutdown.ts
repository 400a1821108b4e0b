import { closeDb } from "@/db/client";
import { config } from "./config";
import type { JobRunner } from "./jobs/job-runner";
import { logger } from "./logger";
import { processSingleton } from "@/lib/process-singleton";

/**
 * A clean stop on SIGTERM or SIGINT: new uploads are refused (503) and health says so, the images
 * under way finish until SHUTDOWN_GRACE_MS has passed, the rest go back in line for the next start,
 * the database is closed (PGlite writes its checkpoint and frees its folder), and the process exits.
 *
 * Next.js stops on these signals by itself, the moment its HTTP requests are answered, unless
 * NEXT_MANUAL_SIG_HANDLE is set; `npm start` sets it. Without it, work under way is cut off and
 * resumed at the next start, which loses nothing but repeats it.
 */

const state = () => processSingleton("shutdown", () => ({ installed: false, shuttingDown: false }));

export function shuttingDown(): boolean {
  return state().shuttingDown;
}

export function installShutdown(runner: JobRunner) {
  if (state().installed) return;
  state().installed = true;
  if (!config.handlesSignals) {
    if (config.env === "production") {
      logger.warn(
        "NEXT_MANUAL_SIG_HANDLE is not set: a stop cuts off the images under way (they are redone at the next start)",
      );
    }
    return;
  }
  const stop = async (signal: NodeJS.Signals) => {
    if (state().shuttingDown) return;
    state().shuttingDown = true;
    const graceMs = config.jobs.shutdownGraceMs;
    logger.info({ signal, graceMs }, "shutting down: finishing the images under way");
    // Whatever happens below, the process ends: a stop that hangs is worse than one cut short.
    setTimeout(() => process.exit(1), graceMs + 5_000).unref();
    try {
      await runner.stop(graceMs);
      await closeDb();
      logger.info("stopped");
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}
