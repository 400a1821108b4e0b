import { getDb } from "@/db/client";
import { config } from "./config";
import { getJobRunner } from "./jobs/job-runner";
import { getStorage } from "./storage/get-storage";
import { logger } from "./logger";

/** Start-up: database migrated, storage reachable (reported, not fatal), unfinished work resumed. */
export async function startServer() {
  await getDb();
  try {
    await (await getStorage()).check();
  } catch (error) {
    logger.error({ err: error }, "storage is not usable");
  }
  await (await getJobRunner()).start();
  logger.info(
    { database: config.database.kind, storage: config.storage.kind, runner: config.jobs.runner },
    "service started",
  );
}
