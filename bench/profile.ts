import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { num, printTable } from "./report";
import { APP_ROOT } from "./server";

/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and adds up time per function: self time
 * (the function itself was on top of the stack) and total time (it was anywhere on the stack, counted
 * once per sample even when it recurses). Only the main thread is sampled: sharp's work on libuv's
 * threads shows up as idle time here, not as native functions.
 */

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

export type FunctionTime = { name: string; location: string; selfMs: number; totalMs: number };

/** Microseconds on the monotonic clock that both process.hrtime and V8's profiler read. */
export type Window = { startUs: number; endUs: number; name: string };

export type ProfileSummary = { file: string; wallMs: number; window: string; functions: FunctionTime[] };

/** Now, on the profile's clock. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

// V8's pseudo-functions for time not spent in JavaScript.
const PSEUDO = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);

function location({ url, lineNumber }: CallFrame): string {
  if (!url) return "";
  const file = url.replace(/^file:\/\//, "");
  const short = file.includes("/node_modules/")
    ? file.slice(file.lastIndexOf("/node_modules/") + "/node_modules/".length)
    : path.relative(APP_ROOT, file);
  return `${short}:${lineNumber + 1}`;
}

/** Times per function, over the samples inside `window` when given (else the whole profile). */
export function summarizeProfile(file: string, window?: Window): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const parentOf = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }

  const inProfile = window && window.startUs >= profile.startTime && window.endUs <= profile.endTime;
  const from = inProfile ? window.startUs : profile.startTime;
  const to = inProfile ? window.endUs : profile.endTime;
  // A sample lasts until the next one is taken (how Chrome's DevTools counts it).
  const selfByNode = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < from || at > to) continue;
    const duration = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    selfByNode.set(profile.samples[i], (selfByNode.get(profile.samples[i]) ?? 0) + duration);
  }

  const functions = new Map<string, FunctionTime>();
  const entry = (node: ProfileNode) => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const key = `${functionName}|${url}|${lineNumber}|${columnNumber}`;
    let found = functions.get(key);
    if (!found) {
      found = { name: functionName || "(anonymous)", location: location(node.callFrame), selfMs: 0, totalMs: 0 };
      functions.set(key, found);
    }
    return found;
  };
  for (const [nodeId, ms] of selfByNode) {
    entry(byId.get(nodeId)!).selfMs += ms;
    const seen = new Set<FunctionTime>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parentOf.get(id)) {
      const fn = entry(byId.get(id)!);
      if (!seen.has(fn)) {
        seen.add(fn);
        fn.totalMs += ms;
      }
    }
  }
  return {
    file,
    wallMs: (to - from) / 1000,
    window: inProfile
      ? window.name
      : `the whole server life${window ? ` (${window.name} not within the profile)` : ""}`,
    functions: [...functions.values()],
  };
}

export function findProfile(folder: string): string | null {
  const files = readdirSync(folder).filter((name) => name.endsWith(".cpuprofile"));
  return files.length ? path.join(folder, files.sort().at(-1)!) : null;
}

export function printProfile(summary: ProfileSummary, topSelf = 25, topTotal = 15) {
  const share = (ms: number) => `${num((ms / summary.wallMs) * 100, 1)}%`;
  const pseudo = summary.functions.filter((fn) => PSEUDO.has(fn.name) && fn.name !== "(root)");
  console.log(`\n   CPU profile of the server's main thread: ${summary.file}`);
  console.log(
    `   ${num(summary.wallMs / 1000, 1)} s: ${summary.window}; ` +
      pseudo.map((fn) => `${fn.name} ${num(fn.selfMs / 1000, 2)} s (${share(fn.selfMs)})`).join(", "),
  );
  const rows = (list: FunctionTime[]) =>
    list.map((fn) => [fn.name, fn.location, fn.selfMs, share(fn.selfMs), fn.totalMs, share(fn.totalMs)]);
  const headers = ["function", "where", "self ms", "self %", "total ms", "total %"];

  console.log(`\n   Top ${topSelf} functions by self time`);
  const bySelf = summary.functions.filter((fn) => fn.name !== "(root)").sort((a, b) => b.selfMs - a.selfMs);
  printTable(headers, rows(bySelf.slice(0, topSelf)));

  console.log(`\n   Top ${topTotal} functions by total time (JavaScript only)`);
  const byTotal = summary.functions.filter((fn) => !PSEUDO.has(fn.name)).sort((a, b) => b.totalMs - a.totalMs);
  printTable(headers, rows(byTotal.slice(0, topTotal)));
}
