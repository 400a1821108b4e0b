import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { open, readFile, rename, unlink } from "node:fs/promises";
import os from "node:os";

/**
 * One process per PGlite folder. PGlite has no lock of its own: a second process opens the same
 * folder happily, and the two silently lose each other's writes or corrupt it (`Aborted()`).
 *
 * The lock is a file beside the folder (`<dir>.lock`) created with O_EXCL and holding the owner's
 * pid, host and boot. A lock whose owner is gone (killed with -9, or the machine rebooted) is taken
 * over at once: the pid is checked, not a heartbeat, because PGlite blocks the event loop during
 * long queries and a heartbeat would make a live owner look dead.
 */

export type LockOwner = { pid: number; hostname: string; bootId: string | null; startedAt: string; command: string };

export class DatabaseFolderInUseError extends Error {
  override name = "DatabaseFolderInUseError";
  constructor(
    readonly dir: string,
    readonly owner: LockOwner,
  ) {
    const where = owner.hostname === os.hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.hostname}`;
    super(
      `The embedded database folder ${dir} is in use by another process (${where}, started ${owner.startedAt}: ${owner.command}). ` +
        `Only one server can use a PGlite folder at a time: stop that process, or set PGLITE_DIR to another folder. ` +
        `To run several instances on one database, use PostgreSQL (DATABASE_URL).`,
    );
  }
}

export type FolderLock = { path: string; release: () => Promise<void> };

export async function lockDatabaseFolder(dir: string): Promise<FolderLock> {
  const path = `${dir}.lock`;
  const me = describeThisProcess();
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const file = await open(path, "wx");
      await file.writeFile(JSON.stringify(me));
      await file.close();
      return { path, release: () => releaseLock(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = await readOwner(path);
    if (owner && isAlive(owner)) throw new DatabaseFolderInUseError(dir, owner);
    await takeOver(path);
  }
  throw new Error(`Could not lock the embedded database folder ${dir}: its lock file ${path} keeps changing.`);
}

async function releaseLock(path: string) {
  const owner = await readOwner(path);
  if (owner?.pid === process.pid && owner.hostname === os.hostname()) await unlink(path).catch(() => {});
}

/**
 * Moves a dead owner's lock aside. Two processes may find the same stale lock: only one rename
 * succeeds, and both then race for the O_EXCL create, which only one wins.
 */
async function takeOver(path: string) {
  const aside = `${path}.stale-${randomUUID()}`;
  try {
    await rename(path, aside);
    await unlink(aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(path, "utf8")) as LockOwner;
    return typeof owner.pid === "number" ? owner : null;
  } catch {
    // Missing, or half written by an owner that died between create and write: not a live owner.
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  // Another machine's process cannot be checked from here (a shared volume): treat it as alive.
  if (owner.hostname !== os.hostname()) return true;
  // A pid recorded before the last reboot belongs to nobody now, whatever process has it today.
  const bootId = currentBootId();
  if (bootId && owner.bootId && bootId !== owner.bootId) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function describeThisProcess(): LockOwner {
  return {
    pid: process.pid,
    hostname: os.hostname(),
    bootId: currentBootId(),
    startedAt: new Date().toISOString(),
    command: process.argv
      .slice(1)
      .map((part) => part.split("/").slice(-2).join("/"))
      .join(" ")
      .slice(0, 200),
  };
}

function currentBootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return null;
  }
}
