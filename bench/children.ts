import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

/**
 * Every child process the bench starts (servers, the image host) runs in its own process group and is
 * registered here, so that a normal end, an error or Ctrl-C stops the child and whatever it started,
 * and removes the temporary folders the children worked in.
 */

const living = new Map<number, string>();
const folders = new Set<string>();
// Long enough for a profiled server to write its CPU profile.
const STOP_GRACE_MS = 15_000;

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Registers a child started with `detached: true` (it leads its own group) and returns its stop
 * function: SIGTERM to the group, SIGKILL after a grace period.
 */
export function adoptChild(child: ChildProcess, name: string): () => Promise<void> {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start`);
  living.set(pid, name);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  void exited.then(() => living.delete(pid));
  return async () => {
    if (!living.has(pid)) return;
    signalGroup(pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    // Anything the child started and left behind.
    signalGroup(pid, "SIGKILL");
  };
}

/** A temporary folder to remove if the bench ends before its owner does; `forget` when removed. */
export function removeOnExit(folder: string) {
  folders.add(folder);
  return { forget: () => folders.delete(folder) };
}

function killAll() {
  for (const pid of living.keys()) signalGroup(pid, "SIGKILL");
  living.clear();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

/** Installs the handlers that stop every child when the bench ends, however it ends. */
export function stopChildrenOnExit() {
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping the servers and the image host`);
      killAll();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}
