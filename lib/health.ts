import "server-only";
import { pingDatabase } from "@/db/client";
import type { Health } from "./contract";
import { config } from "./config";
import { lowDiskSpace } from "./disk-space";
import { getJobRunner } from "./jobs/job-runner";
import { logger } from "./logger";
import { getStorage } from "./storage/get-storage";

type Part = Health["database"];

/**
 * Whether the service can do its work: the database answers, the storage is there and writable, the
 * job runner takes work. Probes are shared and cached briefly, so a load balancer polling every
 * second costs one database round trip a second and one storage request every few seconds, and
 * storage is never written to by a health check.
 */
export async function checkHealth(): Promise<Health> {
  const [database, storage, runner] = await Promise.all([databaseProbe.verdict(), storagePart(), runnerPart()]);
  const broken = Object.entries({ database, storage, runner }).filter(([, part]) => !part.ok);
  return {
    ok: broken.length === 0,
    ...(broken.length ? { error: broken.map(([name, part]) => `${name}: ${part.error}`).join("; ") } : {}),
    database,
    storage,
    runner,
  };
}

async function runnerPart(): Promise<Part> {
  const checkedAt = new Date().toISOString();
  try {
    const runner = await getJobRunner();
    return { kind: runner.name, checkedAt, ...runner.health() };
  } catch (error) {
    return { ok: false, kind: config.jobs.runner, error: publicMessage(error), checkedAt };
  }
}

/**
 * Health answers anyone who asks, so it names no file: a path that a cause still carries (a socket,
 * a lock file) is left to the server log, where the probe's failure is written whole.
 */
export function publicMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/(^|[\s'"`(=,])\/[^\s'"`),;]+/g, "$1…");
}

/**
 * One part's verdict, asked for at most every `freshMs`. A probe that is still running does not make
 * health wait or fail: a database busy with a burst of uploads answers late, and is not broken. Only
 * a probe unanswered for `timeoutMs` makes the part broken ("no answer within …").
 */
class CachedProbe {
  private last: { part: Part; at: number } | null = null;
  private running: { result: Promise<Part>; since: number } | null = null;

  constructor(
    private readonly kind: string,
    private readonly freshMs: number,
    private readonly timeoutMs: number,
    private readonly check: () => Promise<void>,
  ) {}

  async verdict(): Promise<Part> {
    const now = Date.now();
    if (this.last && now - this.last.at < this.freshMs) return this.last.part;
    this.running ??= { result: this.probe(), since: now };
    // With no caching at all (HEALTH_CACHE_MS=0), every answer waits for its own probe.
    const covered = this.freshMs > 0 && now - this.running.since < this.timeoutMs;
    if (this.last && covered) return this.last.part;
    return this.running.result;
  }

  private async probe(): Promise<Part> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
    });
    let part: Part;
    try {
      await Promise.race([this.check(), timeout]);
      part = { ok: true, kind: this.kind, checkedAt: new Date().toISOString() };
    } catch (error) {
      if (this.last?.part.ok !== false) logger.warn({ err: error, part: this.kind }, "health check failed");
      part = { ok: false, kind: this.kind, error: publicMessage(error), checkedAt: new Date().toISOString() };
    } finally {
      clearTimeout(timer);
      this.running = null;
    }
    this.last = { part, at: Date.now() };
    return part;
  }
}

const { databaseCacheMs, storageCacheMs } = config.health;
// A database gets longer to answer than a bucket: it may be busy storing a large upload.
const databaseProbe = new CachedProbe(config.database.kind, databaseCacheMs, 10_000, async () => {
  await pingDatabase();
  await checkDatabaseDisk();
});
// Made on first use: the part is named by the store itself.
let storageProbe: CachedProbe | undefined;

async function storagePart(): Promise<Part> {
  const storage = await getStorage();
  storageProbe ??= new CachedProbe(storage.name, storageCacheMs, 5_000, () => storage.check());
  return storageProbe.verdict();
}

/**
 * PGlite writes its folder on this machine's disk: one that fills up fails writes, and can stop the
 * embedded database. One threshold serves both folders: by default they share one disk, and a large
 * upload's rows and their write-ahead log take far less room than its images.
 */
async function checkDatabaseDisk(): Promise<void> {
  const database = config.database;
  if (database.kind !== "pglite" || database.dir.startsWith("memory://")) return;
  const problem = await lowDiskSpace(
    database.dir,
    config.health.minFreeDiskBytes,
    "the embedded database folder (PGLITE_DIR)",
  ).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`the embedded database folder (PGLITE_DIR) cannot be checked: ${error.code ?? error.message}`, {
      cause: error,
    });
  });
  if (problem) throw new Error(problem);
}
