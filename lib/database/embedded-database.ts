import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getSystemErrorMap } from "node:util";
import { Worker } from "node:worker_threads";
import { type DatabaseConnection, DatabaseUnavailableError, describeDatabaseError, forgetDatabase } from "@/db/client";
import { type ConnectionOptions, connectDatabase, MIGRATIONS_FOLDER } from "@/db/connect";
import { logger } from "@/lib/logger";
import { fromSource, sourceThread } from "@/lib/threads";
import type { PgliteHostData, PgliteHostMessage } from "./pglite-host";
import { DatabaseFolderInUseError, type FolderLock, lockDatabaseFolder } from "./pglite-lock";

/**
 * The embedded database: PGlite (Postgres in WebAssembly, files under `.data/`) running on a thread
 * of its own behind a PostgreSQL socket (`pglite-host.ts`), so it never runs on the thread that
 * answers clients. This process owns the folder (`pglite-lock.ts`); its other threads, and a
 * command-line tool beside a running server, connect to the socket.
 */

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
/** Unix socket paths are limited to about a hundred bytes. */
const MAX_SOCKET_PATH = 100;
const HOST_CLOSE_MS = 10_000;
const NAME = "The embedded database";

/** The embedded database that this process's main thread serves at `socketPath`. */
export async function connectToEmbeddedDatabase(socketPath: string, max = PGLITE_CONNECTIONS) {
  const pool = await connectDatabase({ options: embeddedOptions(socketPath), max, migrate: false, name: NAME });
  return { ...pool, socketPath };
}

/**
 * Opens the folder `dir` (or `memory://`) and serves it. With `joinRunningServer`, a folder that a
 * running server of this machine owns is reached through that server's socket instead of refused.
 */
export async function openEmbeddedDatabase(
  dir: string,
  { joinRunningServer = false }: { joinRunningServer?: boolean } = {},
): Promise<DatabaseConnection> {
  const inMemory = dir.startsWith("memory://");
  const folder = inMemory ? dir : path.resolve(dir);
  let lock: FolderLock | null = null;
  try {
    if (!inMemory) mkdirSync(path.dirname(folder), { recursive: true });
    lock = inMemory ? null : await lockDatabaseFolder(folder);
  } catch (error) {
    const joined = joinRunningServer ? await joinServerOf(folder, error) : null;
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
    const pool = await connectDatabase({
      options: embeddedOptions(socketPath),
      max: PGLITE_CONNECTIONS,
      migrate: true,
      name: NAME,
    });
    const close = async () => {
      await pool.close();
      await started.close();
      await lock?.release();
    };
    const connection: DatabaseConnection = { db: pool.db, socketPath, close };
    started.onCrash((reason) => {
      // Its connections are gone with it: the next query opens the folder again (Postgres recovers it).
      logger.error({ reason }, "the embedded database stopped unexpectedly; it is opened again at the next query");
      forgetDatabase(connection);
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

const embeddedOptions = (socketPath: string): ConnectionOptions => ({ path: socketPath, ...PGLITE_LOGIN });

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
  return describeDatabaseError(error);
}

/** The database a running server of this machine serves from `folder`, when it refused us for that. */
async function joinServerOf(folder: string, refusal: unknown): Promise<DatabaseConnection | null> {
  if (!(refusal instanceof DatabaseFolderInUseError)) return null;
  const socketPath = socketPathFor(folder);
  if (refusal.owner.hostname !== os.hostname() || !existsSync(socketPath)) return null;
  return connectToEmbeddedDatabase(socketPath, 1);
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
