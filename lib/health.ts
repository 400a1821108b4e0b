import "server-only";
import { pingDatabase } from "@/db/queries";
import { config } from "./config";
import { getStorage } from "./storage/get-storage";
import { logger } from "./logger";

type Check = { ok: boolean; kind: string; error?: string };

export async function checkHealth(): Promise<{ ok: boolean; database: Check; storage: Check; runner: string }> {
  const [database, storage] = await Promise.all([
    probe(config.database.kind, () => pingDatabase()),
    probe(config.storage.kind, async () => (await getStorage()).check()),
  ]);
  return { ok: database.ok && storage.ok, database, storage, runner: config.jobs.runner };
}

async function probe(kind: string, check: () => Promise<void>): Promise<Check> {
  try {
    await check();
    return { ok: true, kind };
  } catch (error) {
    logger.warn({ err: error, part: kind }, "health check failed");
    return { ok: false, kind, error: (error as Error).message };
  }
}
