import { existsSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Worker threads of the server. Next.js bundles a thread's entry with the server when it is started
 * exactly as `new Worker(new URL("./entry.ts", import.meta.url), …)`; run from source instead (tests,
 * the bench, the CLIs under tsx) the entry is TypeScript, which Node 20 cannot load in a thread by
 * itself (a `--import` loader does not reach a worker's entry), so the thread compiles it with tsx.
 * Each start site therefore reads:
 *
 *   fromSource(import.meta.url)
 *     ? sourceThread("./entry.ts", import.meta.url, options)
 *     : new Worker(new URL("./entry.ts", import.meta.url), options)
 */

/**
 * Whether the module at `moduleUrl` runs from its TypeScript source rather than from Next's bundle.
 * In the bundle `import.meta.url` still names the source file, below the folder the server runs in:
 * the standalone server (the Docker image) has no such file and must start the bundled thread.
 */
export function fromSource(moduleUrl: string): boolean {
  const url = new URL(moduleUrl);
  return /\.m?tsx?$/.test(url.pathname) && existsSync(fileURLToPath(url));
}

export function sourceThread(entry: string, moduleUrl: string, options: WorkerOptions = {}): Worker {
  const href = new URL(entry, moduleUrl).href;
  const bootstrap = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(href)}); });`;
  return new Worker(bootstrap, {
    ...options,
    eval: true,
    // `server-only` resolves to its empty module under the react-server condition, as in Next.js.
    execArgv: [...(options.execArgv ?? []), "--conditions=react-server"],
  });
}

/**
 * Gives this thread a name the operating system shows (`top -H`, `ps -L`, profilers), where it lets
 * a thread name itself (Linux: at most 15 characters). Elsewhere nothing happens.
 */
export function nameThisThread(name: string) {
  try {
    writeFileSync("/proc/thread-self/comm", name.slice(0, 15));
  } catch {
    // Not Linux, or /proc is not mounted: the thread keeps its default name.
  }
}
