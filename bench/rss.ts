import { readdirSync, readFileSync } from "node:fs";

/**
 * Resident memory of a process and everything it started, from /proc (Linux): what the machine
 * actually gives the server, including WebAssembly memory, sharp's buffers and child processes.
 */

const MiB = 1024 * 1024;

function vmRssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0; // The process ended between listing and reading.
  }
}

/** Parent of every process, from /proc/<pid>/stat (the field after the parenthesised command name). */
function parentsByPid(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(entry));
      children.set(parent, list);
    } catch {
      // Gone already.
    }
  }
  return children;
}

/** The process and all its descendants. */
export function processTree(pid: number): number[] {
  const children = parentsByPid();
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const current = queue.shift()!;
    tree.push(current);
    queue.push(...(children.get(current) ?? []));
  }
  return tree;
}

/** VmRSS of a process plus that of every process it spawned, in bytes. */
export function treeRss(pid: number): number {
  return processTree(pid).reduce((sum, member) => sum + vmRssBytes(member), 0);
}

export const toMiB = (bytes: number) => bytes / MiB;

/** Samples `treeRss` every `intervalMs` until stopped; returns the highest value seen. */
export function sampleRss(pid: number, intervalMs = 50) {
  let peak = treeRss(pid);
  let samples = 1;
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRss(pid));
    samples++;
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      peak = Math.max(peak, treeRss(pid));
      return { peak, samples: samples + 1 };
    },
  };
}

/** CPU time (user + system) a process and its descendants have used so far, in milliseconds. */
export function treeCpuMs(pid: number): number {
  return processTree(pid).reduce((sum, member) => sum + (readStat(`/proc/${member}/stat`)?.cpuMs ?? 0), 0);
}

/**
 * The name and CPU time (user + system, in milliseconds) of a process's or thread's `stat` file;
 * null once it has ended. The file counts in clock ticks, 100 a second on Linux.
 */
function readStat(file: string): { name: string; cpuMs: number } | null {
  try {
    const stat = readFileSync(file, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
      cpuMs: (Number(fields[11]) + Number(fields[12])) * 10,
    };
  } catch {
    return null;
  }
}

/** What each kind of thread of the server used, in milliseconds of CPU. */
export type ThreadCpu = { main: number; database: number; images: number; libvips: number; other: number };

/**
 * CPU time of one process by kind of thread, in milliseconds: its main thread (JavaScript: routes and
 * the runner's scheduling), the embedded database's thread and the image threads (they name
 * themselves, `lib/threads.ts`), libvips' workers (pixels), and the rest (libuv's pool, which runs
 * sharp's set-up and file work, and V8's garbage collectors and compilers).
 */
export function threadCpuMs(pid: number): ThreadCpu {
  const times: ThreadCpu = { main: 0, database: 0, images: 0, libvips: 0, other: 0 };
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return times;
  }
  for (const tid of tasks) {
    const thread = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (!thread) continue;
    if (tid === String(pid)) times.main += thread.cpuMs;
    else if (thread.name === "csv-database") times.database += thread.cpuMs;
    else if (thread.name === "csv-images") times.images += thread.cpuMs;
    else if (thread.name.startsWith("libvips")) times.libvips += thread.cpuMs;
    else times.other += thread.cpuMs;
  }
  return times;
}
