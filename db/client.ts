import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getSystemErrorMap } from "node:util";
import { Worker } from "node:worker_threads";
import { sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { ParameterOrJSON, Options as PostgresOptions, PostgresType, Sql, UnsafeQueryOptions } from "postgres";
import { config } from "@/lib/config";
import { logger } from "@/lib/logger";
import { fromSource, sourceThread } from "@/lib/threads";
import type { PgliteHostData, PgliteHostMessage } from "./pglite-host";
import { DatabaseFolderInUseError, type FolderLock, lockDatabaseFolder } from "./pglite-lock";
import * as schema from "./schema";

/**
 * The database, always reached through postgres.js: PostgreSQL when `DATABASE_URL` is set,
 * otherwise PGlite (Postgres in WebAssembly, files under `.data/`) running on a thread of its own
 * behind a PostgreSQL socket (`pglite-host.ts`). One driver, one dialect, the same queries and
 * migrations for both; and the embedded database never runs on the thread that answers clients.
 * Migrations are applied once per process, before the first query.
 */

export type Database = PostgresJsDatabase<typeof schema>;

type Connection = { db: Database; socketPath: string | null; close: () => Promise<void> };

const MIGRATIONS_FOLDER = path.join(process.cwd(), "db/migrations");
// Any fixed number: every instance takes the same lock so only one migrates at a time.
const MIGRATION_LOCK_ID = 720_301;

/**
 * PGlite keeps Postgres's shared buffers inside its WebAssembly memory, which never shrinks. The
 * default 128 MB is sized for a database server; this service's working set (counters, a page of
 * products) fits in a fraction of it, and the operating system caches the files anyway.
 */
const PGLITE_SHARED_BUFFERS = "16MB";
/** PGlite has one user and one database, and asks for no password. */
const PGLITE_LOGIN = { user: "postgres", database: "template1" };
/**
 * Connections per thread to the embedded database. It runs one statement at a time whatever their
 * number; a second connection lets queries go on while a transaction holds the first.
 */
const PGLITE_CONNECTIONS = 3;
const POSTGRES_CONNECTIONS = 10;
/** Unix socket paths are limited to about a hundred bytes. */
const MAX_SOCKET_PATH = 100;
const HOST_CLOSE_MS = 10_000;

/** The database cannot be reached or opened; requests answer 503 naming it. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

// PGlite allows one owner per data folder, and Next.js may load this module more than once.
const globalForDb = globalThis as typeof globalThis & {
  __csvImageDb?: Promise<Connection>;
  __csvImageEmbeddedSocket?: string;
  __csvImageJoinsRunningServer?: boolean;
};

/** A cheap round trip for the health check. */
export async function pingDatabase() {
  const db = await getDb();
  await db.execute(sql`select 1`);
}

export function getDb(): Promise<Database> {
  return connection().then((open) => open.db);
}

function connection(): Promise<Connection> {
  if (!globalForDb.__csvImageDb) {
    const connecting = connect();
    globalForDb.__csvImageDb = connecting;
    // A database that was down at the first query may be up at the next: do not keep the failure.
    connecting.catch(() => forget(connecting));
  }
  return globalForDb.__csvImageDb;
}

function forget(connecting: Promise<Connection>) {
  if (globalForDb.__csvImageDb === connecting) globalForDb.__csvImageDb = undefined;
}

/** Closes the database (PGlite: a checkpoint, then its folder is free for the next process). */
export async function closeDb(): Promise<void> {
  const pending = globalForDb.__csvImageDb;
  globalForDb.__csvImageDb = undefined;
  if (pending) await (await pending.catch(() => null))?.close();
}

/**
 * Where another thread of this process reaches the embedded database (null on PostgreSQL): worker
 * threads connect there instead of opening the folder, which only one owner may.
 */
export async function embeddedDatabaseSocket(): Promise<string | null> {
  return (await connection()).socketPath;
}

/**
 * For a command-line tool: when a running server owns the embedded database folder, use the
 * database it serves (its socket) rather than refusing. A second server is still refused.
 */
export function joinRunningServerDatabase() {
  globalForDb.__csvImageJoinsRunningServer = true;
}

/** In a worker thread: the embedded database is the one the main thread serves at `socketPath`. */
export function reachEmbeddedDatabaseAt(socketPath: string) {
  globalForDb.__csvImageEmbeddedSocket = socketPath;
}

function connect(): Promise<Connection> {
  if (config.database.kind === "postgres") {
    return openPool({ url: config.database.url, max: POSTGRES_CONNECTIONS, migrate: true });
  }
  const socketPath = globalForDb.__csvImageEmbeddedSocket;
  if (socketPath) {
    return openPool({ options: embeddedOptions(socketPath), max: PGLITE_CONNECTIONS, migrate: false }).then((open) => ({
      ...open,
      socketPath,
    }));
  }
  return startEmbedded(config.database.dir);
}

const embeddedOptions = (socketPath: string): PostgresOptions<Record<string, PostgresType>> => ({
  path: socketPath,
  ...PGLITE_LOGIN,
});

async function openPool({
  url,
  options = {},
  max,
  migrate,
}: {
  url?: string;
  options?: PostgresOptions<Record<string, PostgresType>>;
  max: number;
  migrate: boolean;
}): Promise<Connection> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate: applyMigrations } = await import("drizzle-orm/postgres-js/migrator");
  const open = (extra: PostgresOptions<Record<string, PostgresType>>) =>
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
        ? new DatabaseUnavailableError(
            `${url ? "PostgreSQL (DATABASE_URL)" : "The embedded database"} cannot be reached: ${describe(error)}`,
            {
              cause: error,
            },
          )
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

async function startEmbedded(dir: string): Promise<Connection> {
  const inMemory = dir.startsWith("memory://");
  const folder = inMemory ? dir : path.resolve(dir);
  let lock: FolderLock | null = null;
  try {
    if (!inMemory) mkdirSync(path.dirname(folder), { recursive: true });
    lock = inMemory ? null : await lockDatabaseFolder(folder);
  } catch (error) {
    const joined = await joinRunningServer(folder, error);
    if (joined) return joined;
    // Start-up stops on this one, naming the folder and its owner to the operator.
    if (error instanceof DatabaseFolderInUseError) throw error;
    throw folderUnusable(folder, error);
  }
  let host: EmbeddedHost | null = null;
  try {
    // A new folder is created by a short-lived child process: initdb runs a second PGlite instance
    // whose memory the server process would otherwise keep for its whole life.
    if (!inMemory && !existsSync(path.join(folder, "PG_VERSION"))) await initialiseInChildProcess(folder);
    const socketPath = socketPathFor(folder);
    // A process that ends without closing the database (a test run, a crash) leaves no socket file.
    process.once("exit", () => rmSync(socketPath, { force: true }));
    const started = await startHost({ folder, socketPath, sharedBuffers: PGLITE_SHARED_BUFFERS });
    host = started;
    const pool = await openPool({ options: embeddedOptions(socketPath), max: PGLITE_CONNECTIONS, migrate: true });
    const close = async () => {
      await pool.close();
      await started.close();
      await lock?.release();
    };
    const connection: Connection = { db: pool.db, socketPath, close };
    started.onCrash((reason) => {
      // Its connections are gone with it: the next query opens the folder again (Postgres recovers it).
      logger.error({ reason }, "the embedded database stopped unexpectedly; it is opened again at the next query");
      const current = globalForDb.__csvImageDb;
      void current?.then((open) => {
        if (open === connection) globalForDb.__csvImageDb = undefined;
      });
      void pool.close().finally(() => lock?.release());
    });
    return connection;
  } catch (error) {
    await host?.close();
    await lock?.release();
    if (error instanceof DatabaseUnavailableError) throw error;
    throw folderUnusable(folder, error);
  }
}

/**
 * The folder named by its setting, not its path: this message reaches the public health answer. The
 * path stays on the error (`dir`) and in its cause, which the server log prints whole.
 */
function folderUnusable(dir: string, error: unknown): DatabaseUnavailableError {
  const message = `The embedded database folder (PGLITE_DIR) cannot be opened: ${describeWithoutPath(error)}`;
  return Object.assign(new DatabaseUnavailableError(message, { cause: error }), { dir });
}

/** A system error as its code and words ("EACCES (permission denied)"), leaving out the path it names. */
function describeWithoutPath(error: unknown): string {
  for (let current = error; current instanceof Error; current = current.cause) {
    const { code, errno } = current as NodeJS.ErrnoException;
    const words = errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1];
    if (code && words) return `${code} (${words})`;
  }
  return describe(error);
}

/** The database a running server of this machine serves from `folder`, when this process may join it. */
async function joinRunningServer(folder: string, refusal: unknown): Promise<Connection | null> {
  if (!globalForDb.__csvImageJoinsRunningServer || !(refusal instanceof DatabaseFolderInUseError)) return null;
  const socketPath = socketPathFor(folder);
  if (refusal.owner.hostname !== os.hostname() || !existsSync(socketPath)) return null;
  return { ...(await openPool({ options: embeddedOptions(socketPath), max: 1, migrate: false })), socketPath };
}

/** Beside the folder when the path is short enough for a socket, else in the temporary folder. */
function socketPathFor(folder: string): string {
  if (folder.startsWith("memory://")) {
    return path.join(os.tmpdir(), `csv-image-compressor-${process.pid}-${randomUUID().slice(0, 8)}.sock`);
  }
  const beside = `${folder}.sock`;
  if (Buffer.byteLength(beside) <= MAX_SOCKET_PATH) return beside;
  const digest = createHash("sha256").update(folder).digest("hex").slice(0, 16);
  return path.join(os.tmpdir(), `csv-image-compressor-${digest}.sock`);
}

type EmbeddedHost = { close: () => Promise<void>; onCrash: (listener: (reason: string) => void) => void };

function startHost(data: PgliteHostData): Promise<EmbeddedHost> {
  const options = { workerData: data, name: "embedded database" };
  const worker = fromSource(import.meta.url)
    ? sourceThread("./pglite-host.ts", import.meta.url, options)
    : new Worker(new URL("./pglite-host.ts", import.meta.url), options);
  // The thread never keeps the process alive by itself: closeDb ends it in order.
  worker.unref();
  let closing = false;
  let crashed: ((reason: string) => void) | null = null;
  const crash = (reason: string) => {
    const listener = crashed;
    crashed = null;
    listener?.(reason);
  };
  const host: EmbeddedHost = {
    onCrash: (listener) => (crashed = listener),
    close: async () => {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => {
        worker.on("message", (message: PgliteHostMessage) => "closed" in message && resolve());
        worker.once("exit", () => resolve());
        setTimeout(resolve, HOST_CLOSE_MS).unref();
      });
      worker.postMessage("close");
      await closed;
      await worker.terminate();
    },
  };
  return new Promise((resolve, reject) => {
    let ready = false;
    worker.once("message", (message: PgliteHostMessage) => {
      if ("ready" in message) {
        ready = true;
        resolve(host);
      } else if ("error" in message) {
        reject(new Error(message.error));
        void worker.terminate();
      }
    });
    worker.on("error", (error) => {
      if (!ready) reject(error);
      else if (!closing) crash(error.message);
    });
    worker.once("exit", (code) => {
      if (!ready) reject(new Error(`the database thread exited (code ${code}) before it was ready`));
      else if (!closing) crash(`the database thread exited (code ${code})`);
    });
  });
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
    // What the child said (a stack, paths) is the cause, for the server log; the message is for anyone.
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(`creating the database folder failed (exit ${code})`, {
              cause: new Error(stderr.trim().slice(-500)),
            }),
          ),
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
