import { getDb } from "@/db/client";
import { config } from "./config";
import { getJobRunner } from "./jobs/job-runner";
import { getStorage } from "./storage/get-storage";

/** Start-up: database migrated, storage reachable (reported, not fatal), unfinished work resumed. */
export async function startServer() {
  await getDb();
  try {
    await (await getStorage()).check();
  } catch (error) {
    console.error(`[start] storage is not usable: ${(error as Error).message}`);
  }
  await (await getJobRunner()).start();
  console.info(
    `[start] database: ${config.database.kind}, storage: ${config.storage.kind}, runner: ${config.jobs.runner}`,
  );
}
