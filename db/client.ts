import { sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type * as schema from "./schema";

/**
 * The process's database, always reached through postgres.js (`connect.ts`). Which database that is
 * (PostgreSQL, or the embedded one on a thread of its own) is the app's choice, made where it starts
 * (`provideDatabase` in instrumentation.ts, test/setup.ts, an image thread, a command-line tool), so
 * `db/` knows tables and statements, not settings. Opened at the first query, migrations first.
 */

export type Database = PostgresJsDatabase<typeof schema>;

export type DatabaseConnection = {
  db: Database;
  /** Where other threads of this process reach the embedded database; null on PostgreSQL. */
  socketPath: string | null;
  close: () => Promise<void>;
};

type DatabaseOpener = () => Promise<DatabaseConnection>;

/** The database cannot be reached or opened; requests answer 503 naming it. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

// One connection per process, and Next.js may load this module more than once (route handlers and
// instrumentation are bundled apart): the slot lives on globalThis.
const slot = globalThis as typeof globalThis & {
  __csvImageDatabaseOpener?: DatabaseOpener;
  __csvImageDatabase?: Promise<DatabaseConnection>;
};

/** Chooses how this process opens its database; the next query opens it. */
export function provideDatabase(open: DatabaseOpener) {
  slot.__csvImageDatabaseOpener = open;
}

export function getDb(): Promise<Database> {
  return connection().then((open) => open.db);
}

/** A cheap round trip for the health check. */
export async function pingDatabase() {
  const db = await getDb();
  await db.execute(sql`select 1`);
}

/**
 * Where another thread of this process reaches the embedded database (null on PostgreSQL): worker
 * threads connect there instead of opening the folder, which only one owner may.
 */
export async function databaseSocket(): Promise<string | null> {
  return (await connection()).socketPath;
}

/** Closes the database (PGlite: a checkpoint, then its folder is free for the next process). */
export async function closeDb(): Promise<void> {
  const pending = slot.__csvImageDatabase;
  slot.__csvImageDatabase = undefined;
  if (pending) await (await pending.catch(() => null))?.close();
}

/** A connection that died by itself: the next query opens the database again. */
export function forgetDatabase(lost: DatabaseConnection) {
  const current = slot.__csvImageDatabase;
  void current?.then((open) => {
    if (open === lost && slot.__csvImageDatabase === current) slot.__csvImageDatabase = undefined;
  });
}

function connection(): Promise<DatabaseConnection> {
  if (!slot.__csvImageDatabase) {
    const open = slot.__csvImageDatabaseOpener;
    if (!open) return Promise.reject(new Error("No database was provided at start-up (see instrumentation.ts)."));
    const connecting = open();
    slot.__csvImageDatabase = connecting;
    // A database that was down at the first query may be up at the next: do not keep the failure.
    connecting.catch(() => {
      if (slot.__csvImageDatabase === connecting) slot.__csvImageDatabase = undefined;
    });
  }
  return slot.__csvImageDatabase;
}

const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P03", // cannot_connect_now
]);

/** True for an error that means the database is not there, anywhere in its chain of causes. */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof DatabaseUnavailableError) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && unreachableCodes.has(code)) return true;
  }
  return false;
}

/** An error for a message: the code that says the database is not there, else its own message. */
export function describeDatabaseError(error: unknown): string {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && unreachableCodes.has(code)) return `${code} (${current.message})`;
  }
  return error instanceof Error ? error.message : String(error);
}
