import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { config } from "@/lib/config";
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

export async function closeDb(): Promise<void> {
  const pending = globalForDb.__csvImageDb;
  globalForDb.__csvImageDb = undefined;
  if (pending) await (await pending).close();
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

  const migrationClient = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrationClient`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migrate(drizzle({ client: migrationClient }), { migrationsFolder: MIGRATIONS_FOLDER });
    await migrationClient`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
  } finally {
    await migrationClient.end();
  }

  const client = postgres(url, { max: 10, onnotice: () => {} });
  return { db: drizzle({ client, schema }) as unknown as Database, close: () => client.end() };
}

async function connectPglite(dir: string): Promise<Connection> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");

  const inMemory = dir.startsWith("memory://");
  if (!inMemory) mkdirSync(dir, { recursive: true });
  const client = new PGlite(inMemory ? dir : path.resolve(dir));
  const db = drizzle({ client, schema });
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return { db: db as unknown as Database, close: () => client.close() };
}
