import { getDb } from "@/db/client";
import { DatabaseFolderInUseError } from "@/lib/database/pglite-lock";
import { config } from "./config";
import { getJobRunner } from "./jobs/job-runner";
import { logger } from "./logger";
import { installShutdown } from "./shutdown";
import { getStorage } from "./storage/get-storage";

const DATABASE_RETRY_MS = 10_000;

/**
 * Start-up: database migrated, storage reachable (reported, not fatal), unfinished work resumed.
 * A database that is down does not stop the server: health and pages say so, and start-up goes on
 * once it answers. A PGlite folder owned by another process does stop it: two owners corrupt it.
 */
export async function startServer() {
  logNotices();
  await start();
}

/** What an operator should know about this configuration, said once. */
function logNotices() {
  if (config.fetch.loopbackByDefault) {
    logger.info(
      { hosts: config.fetch.allowHosts },
      "development: images and webhooks on this machine are allowed; production refuses them unless FETCH_ALLOW_HOSTS names them",
    );
  }
  if (config.auth.mode === "open" && process.env.NODE_ENV === "production") {
    logger.warn(
      "AUTH_MODE=open: anyone who can reach this server may upload and read requests by id; set AUTH_MODE=keys before exposing it to the internet",
    );
  }
}

async function start() {
  try {
    await getDb();
  } catch (error) {
    if (error instanceof DatabaseFolderInUseError) {
      logger.fatal({ dir: error.dir, owner: error.owner }, error.message);
      process.exit(1);
    }
    logger.error({ err: error }, `the database is unavailable; trying again every ${DATABASE_RETRY_MS / 1000} s`);
    setTimeout(() => void start(), DATABASE_RETRY_MS).unref();
    return;
  }
  const storage = await getStorage();
  try {
    await storage.check({ write: true });
  } catch (error) {
    logger.error({ err: error }, "storage is not usable");
  }
  const runner = await getJobRunner();
  await runner.start();
  installShutdown(runner);
  logger.info(
    {
      database: config.database.kind,
      storage: storage.name,
      runner: config.jobs.runner,
      auth: config.auth.mode,
    },
    "service started",
  );
}
