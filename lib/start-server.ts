import { getDb } from "@/db/client";
import { config } from "./config";
import { getStorage } from "./storage/get-storage";

/** Start-up: database migrated, storage reachable (reported, not fatal), unfinished work resumed. */
export async function startServer() {
  await getDb();
  try {
    await (await getStorage()).check();
  } catch (error) {
    console.error(`[start] storage is not usable: ${(error as Error).message}`);
  }
  if (config.jobs.runner === "inline") {
    const { getInlineRunner } = await import("./jobs/inline-runner");
    await getInlineRunner().resume();
  }
  console.info(`[start] database: ${config.database.kind}, storage: ${config.storage.kind}, runner: ${config.jobs.runner}`);
}
