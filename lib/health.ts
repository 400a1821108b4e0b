import "server-only";
import { pingDatabase } from "@/db/queries";
import type { Health } from "./contract";
import { config } from "./config";
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
  const [database, storage, runner] = await Promise.all([
    databaseProbe.verdict(),
    storageProbe.verdict(),
    runnerPart(),
  ]);
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
    return { ok: false, kind: config.jobs.runner, error: (error as Error).message, checkedAt };
  }
}

const PROBE_TIMEOUT_MS = 3_000;

/**
 * One part's verdict, refreshed at most every `freshMs`. While a refresh runs, callers get the last
 * verdict if it is younger than `staleMs`, so a slow probe never makes health itself slow.
 */
class CachedProbe {
  private last: { part: Part; at: number } | null = null;
  private running: Promise<Part> | null = null;

  constructor(
    private readonly kind: string,
    private readonly freshMs: number,
    private readonly staleMs: number,
    private readonly check: () => Promise<void>,
  ) {}

  async verdict(): Promise<Part> {
    const age = this.last ? Date.now() - this.last.at : Infinity;
    if (age < this.freshMs) return this.last!.part;
    const refresh = (this.running ??= this.probe().finally(() => (this.running = null)));
    return age < this.staleMs ? this.last!.part : refresh;
  }

  private async probe(): Promise<Part> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
    });
    let part: Part;
    try {
      await Promise.race([this.check(), timeout]);
      part = { ok: true, kind: this.kind, checkedAt: new Date().toISOString() };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.last?.part.ok !== false) logger.warn({ err: error, part: this.kind }, "health check failed");
      part = { ok: false, kind: this.kind, error: message, checkedAt: new Date().toISOString() };
    } finally {
      clearTimeout(timer);
    }
    this.last = { part, at: Date.now() };
    return part;
  }
}

const { databaseCacheMs, storageCacheMs } = config.health;
const databaseProbe = new CachedProbe(config.database.kind, databaseCacheMs, databaseCacheMs * 10, () =>
  pingDatabase(),
);
const storageProbe = new CachedProbe(config.storage.kind, storageCacheMs, storageCacheMs * 6, async () =>
  (await getStorage()).check(),
);
