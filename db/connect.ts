import path from "node:path";
import type { ParameterOrJSON, Options as PostgresOptions, PostgresType, Sql, UnsafeQueryOptions } from "postgres";
import {
  type DatabaseConnection,
  DatabaseUnavailableError,
  describeDatabaseError,
  isDatabaseUnreachable,
} from "./client";
import * as schema from "./schema";

/**
 * A pool of postgres.js connections to PostgreSQL or to the embedded database's socket: one driver,
 * one dialect, the same queries and migrations for both.
 */

export type ConnectionOptions = PostgresOptions<Record<string, PostgresType>>;

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db/migrations");
// Any fixed number: every instance takes the same lock so only one migrates at a time.
const MIGRATION_LOCK_ID = 720_301;

/**
 * Opens a pool of `max` connections, to `url` or with `options`. With `migrate`, pending migrations
 * are applied first (one instance at a time); `name` is the database as an error names it.
 */
export async function connectDatabase({
  url,
  options = {},
  max,
  migrate,
  name,
}: {
  url?: string;
  options?: ConnectionOptions;
  max: number;
  migrate: boolean;
  name: string;
}): Promise<DatabaseConnection> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate: applyMigrations } = await import("drizzle-orm/postgres-js/migrator");
  const open = (extra: ConnectionOptions) =>
    url
      ? postgres(url, { ...options, ...extra, onnotice: () => {} })
      : postgres({ ...options, ...extra, onnotice: () => {} });

  if (migrate) {
    const migrationClient = open({ max: 1, connect_timeout: 10 });
    try {
      await migrationClient`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
      await applyMigrations(drizzle({ client: migrationClient }), { migrationsFolder: MIGRATIONS_FOLDER });
      await migrationClient`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    } catch (error) {
      throw isDatabaseUnreachable(error)
        ? new DatabaseUnavailableError(`${name} cannot be reached: ${describeDatabaseError(error)}`, { cause: error })
        : error;
    } finally {
      await migrationClient.end();
    }
  }

  const client = open({ max });
  return {
    db: drizzle({ client: preparingEveryStatement(client), schema }),
    socketPath: null,
    close: () => client.end(),
  };
}

/**
 * postgres.js with every statement prepared: named, parsed once per connection, its plan kept by
 * Postgres when it is as good as a fresh one. Drizzle sends its statements unnamed, which costs a
 * parse and a plan each time and, with parameters, a second round trip to learn their types first;
 * on PGlite, where both run in WebAssembly, that was most of a statement's cost (a reuse lookup took
 * 1.6 ms unnamed and 0.46 ms prepared). Statement texts are a fixed set: lists of values are sent as
 * one array parameter (`= any($1)`), never as a list of placeholders of varying length.
 */
function preparingEveryStatement(client: Sql): Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === "unsafe") {
        return (query: string, parameters?: ParameterOrJSON<never>[], options?: UnsafeQueryOptions) =>
          target.unsafe(query, parameters, { ...options, prepare: true });
      }
      if (property === "begin") {
        // A transaction's statements run on a connection of their own: prepared the same way.
        return (...args: unknown[]) => {
          const work = args.pop() as (transaction: Sql) => unknown;
          return (target.begin as (...rest: unknown[]) => unknown)(...args, (transaction: Sql) =>
            work(preparingEveryStatement(transaction)),
          );
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
