import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { config } from "@/lib/config";
import { lockDatabaseFolder } from "./pglite-lock";
import { startUpkeep } from "./pglite-upkeep";
import * as schema from "./schema";

/**
 * The database: PostgreSQL through postgres.js when `DATABASE_URL` is set, otherwise PGlite
 * (Postgres in-process, files under `.data/`). Both get the same schema, migrations and queries.
 * Migrations are applied once per process, before the first query.
 */

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

type Connection = { db: Database; close: () => Promise<void> };

const MIGRATIONS_FOLDER = path.join(process.cwd(), "db/migrations");
// Any fixed number: every instance takes the same lock so only one migrates at a time.
const MIGRATION_LOCK_ID = 720_301;

/**
 * PGlite keeps Postgres's shared buffers inside its WebAssembly memory, which never shrinks. The
 * default 128 MB is sized for a database server; this service's working set (counters, a page of
 * products) fits in a fraction of it, and the operating system caches the files anyway.
 */
const PGLITE_SHARED_BUFFERS = "16MB";

/** The database cannot be reached or opened; requests answer 503 naming it. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

// PGlite allows one owner per data folder, and Next.js may load this module more than once.
const globalForDb = globalThis as typeof globalThis & { __csvImageDb?: Promise<Connection> };

export function getDb(): Promise<Database> {
  if (!globalForDb.__csvImageDb) {
    const connecting = connect();
    globalForDb.__csvImageDb = connecting;
    // A database that was down at the first query may be up at the next: do not keep the failure.
    connecting.catch(() => {
      if (globalForDb.__csvImageDb === connecting) globalForDb.__csvImageDb = undefined;
    });
  }
  return globalForDb.__csvImageDb.then((connection) => connection.db);
}

/** Closes the database (PGlite: a checkpoint, then its folder is free for the next process). */
export async function closeDb(): Promise<void> {
  const pending = globalForDb.__csvImageDb;
  globalForDb.__csvImageDb = undefined;
  if (pending) await (await pending.catch(() => null))?.close();
}

function connect(): Promise<Connection> {
  return config.database.kind === "postgres"
    ? connectPostgres(config.database.url)
    : connectPglite(config.database.dir);
}

async function connectPostgres(url: string): Promise<Connection> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");

  const migrationClient = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await migrationClient`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migrate(drizzle({ client: migrationClient }), { migrationsFolder: MIGRATIONS_FOLDER });
    await migrationClient`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
  } catch (error) {
    throw isDatabaseUnreachable(error)
      ? new DatabaseUnavailableError(`PostgreSQL (DATABASE_URL) cannot be reached: ${describe(error)}`, {
          cause: error,
        })
      : error;
  } finally {
    await migrationClient.end();
  }

  const client = postgres(url, { max: 10, onnotice: () => {} });
  return { db: drizzle({ client, schema }) as unknown as Database, close: () => client.end() };
}

async function connectPglite(dir: string): Promise<Connection> {
  const inMemory = dir.startsWith("memory://");
  const folder = inMemory ? dir : path.resolve(dir);
  if (!inMemory) mkdirSync(path.dirname(folder), { recursive: true });
  const lock = inMemory ? null : await lockDatabaseFolder(folder);
  try {
    // A new folder is created by a short-lived child process: initdb runs a second PGlite instance
    // whose memory the server process would otherwise keep for its whole life.
    if (!inMemory && !existsSync(path.join(folder, "PG_VERSION"))) await initialiseInChildProcess(folder);

    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    const client = await PGlite.create(folder, {
      startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
    });
    const db = drizzle({ client, schema });
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    const stopUpkeep = startUpkeep(client);
    return {
      db: db as unknown as Database,
      close: async () => {
        await stopUpkeep();
        await client.close();
        await lock?.release();
      },
    };
  } catch (error) {
    await lock?.release();
    if (error instanceof DatabaseUnavailableError) throw error;
    throw new DatabaseUnavailableError(`The embedded database in ${dir} could not be opened: ${describe(error)}`, {
      cause: error,
    });
  }
}

function initialiseInChildProcess(folder: string): Promise<void> {
  const script = path.join(process.cwd(), "db/init-pglite.mjs");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, folder, MIGRATIONS_FOLDER, PGLITE_SHARED_BUFFERS], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`creating the database folder failed (exit ${code}): ${stderr.trim().slice(-500)}`)),
    );
  });
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

function describe(error: unknown): string {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && unreachableCodes.has(code)) return `${code} (${current.message})`;
  }
  return error instanceof Error ? error.message : String(error);
}
