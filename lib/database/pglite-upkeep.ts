import type { PGlite } from "@electric-sql/pglite";
import { logger } from "@/lib/logger";

/**
 * PGlite runs Postgres without its background workers, so autovacuum never comes: every update of
 * an image or a request's counters leaves a dead row behind for good, the files only grow, and the
 * planner never gets statistics. The embedded database therefore does autovacuum's job itself, by
 * the same rule (PostgreSQL's default thresholds), every few minutes. Each VACUUM holds the database's
 * thread while it runs; frequent rounds keep each one short, as it only visits pages changed since.
 */

const UPKEEP_EVERY_MS = 5 * 60 * 1000;

type Client = Pick<PGlite, "query" | "exec">;

type TableActivity = { name: string; live: number; dead: number; changed: number };

/** autovacuum_vacuum_threshold and _scale_factor: dead rows over 50 + 20 % of the live ones. */
const needsVacuum = ({ live, dead }: TableActivity) => dead > 50 + 0.2 * live;
/** autovacuum_analyze_threshold and _scale_factor: changes since the last ANALYZE over 50 + 10 %. */
const needsAnalyze = ({ live, changed }: TableActivity) => changed > 50 + 0.1 * live;

/** Vacuums and analyzes the service's tables that are due; returns their names. */
export async function tidyTables(client: Client): Promise<string[]> {
  // Postgres hands a session's counts to the statistics at most once a second: the last second too.
  await client.query("select pg_stat_force_next_flush()");
  const { rows } = await client.query<TableActivity>(`
    select quote_ident(relname) as name, n_live_tup::int as live, n_dead_tup::int as dead,
      n_mod_since_analyze::int as changed
    from pg_stat_user_tables where schemaname = 'public' order by relname`);
  const due = rows.filter((table) => needsVacuum(table) || needsAnalyze(table));
  for (const table of due) await client.exec(`vacuum (analyze) public.${table.name}`);
  return due.map((table) => table.name);
}

/**
 * Runs `tidyTables` every `everyMs` until the returned function is called, each time through
 * `onSession`, which hands it the session when no transaction is open (VACUUM cannot run in one).
 */
export function startUpkeep(
  onSession: (tidy: (client: Client) => Promise<string[]>) => Promise<string[]>,
  { everyMs = UPKEEP_EVERY_MS } = {},
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    const startedAt = performance.now();
    running = onSession(tidyTables)
      .then((tables) => {
        if (tables.length === 0) return;
        const ms = Math.round(performance.now() - startedAt);
        logger.info({ tables, ms }, "embedded database vacuumed and analyzed");
      })
      .catch((error) => logger.error({ err: error }, "embedded database upkeep failed; it runs again later"))
      .finally(() => (running = null));
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
