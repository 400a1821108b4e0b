import "server-only";
import { config } from "@/lib/config";
import { processSingleton } from "@/lib/process-singleton";
import type { TrialFile } from "./trial-work";

/**
 * Where a trial's images wait to be looked at: this process's memory, bounded in bytes and time.
 * Nothing of a trial reaches the database or the storage. The least recently used files go first
 * when the bytes run out, and every file goes when its time is up, so a burst of trials costs at
 * most `TRIAL_CACHE_BYTES` for at most `TRIAL_CACHE_SECONDS`.
 */

type Entry = TrialFile & { owner: string | null; expiresAt: number };

export class TrialCache {
  /** In use order: a Map iterates in insertion order, and a read moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    readonly budgetBytes: number,
    readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** When files put now expire. */
  expiry(): number {
    return this.now() + this.lifetimeMs;
  }

  /** Keeps a file until `expiresAt`; a file larger than the whole budget is not kept. */
  put(key: string, file: TrialFile, { owner, expiresAt }: { owner: string | null; expiresAt: number }) {
    this.delete(key);
    this.dropExpired();
    if (file.data.byteLength > this.budgetBytes) return;
    while (this.bytes + file.data.byteLength > this.budgetBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
    this.entries.set(key, { ...file, owner, expiresAt });
    this.bytes += file.data.byteLength;
  }

  get(key: string): (TrialFile & { owner: string | null; expiresAt: number }) | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.delete(key);
      return null;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** Bytes held now: never more than the budget. */
  size(): number {
    return this.bytes;
  }

  private delete(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.data.byteLength;
  }

  private dropExpired() {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.delete(key);
  }
}

export function trialCache(): TrialCache {
  return processSingleton(
    "trial cache",
    () => new TrialCache(config.trial.cacheBytes, config.trial.cacheSeconds * 1000),
  );
}
