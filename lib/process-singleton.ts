/**
 * One value per process, however many times it is asked for: Next.js bundles route handlers, pages
 * and instrumentation apart, and each bundle that imports a module gets a copy of it, so a module's
 * own variables would be one per bundle. (Worker threads are other isolates: each has its own.)
 * `db/client.ts` keeps its one slot by hand, as `db/` does not import `lib/`.
 */

const registry = globalThis as typeof globalThis & { __csvImageSingletons?: Map<string, unknown> };

function values(): Map<string, unknown> {
  return (registry.__csvImageSingletons ??= new Map());
}

/** The process's `name`, made by `create` the first time it is asked for. */
export function processSingleton<T>(name: string, create: () => T): T {
  const all = values();
  if (!all.has(name)) all.set(name, create());
  return all.get(name) as T;
}

/** Puts `value` in place of the process's `name`; undefined lets the next ask make it afresh. */
export function replaceProcessSingleton<T>(name: string, value: T | undefined) {
  if (value === undefined) values().delete(name);
  else values().set(name, value);
}
