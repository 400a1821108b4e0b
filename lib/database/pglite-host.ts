import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { nameThisThread } from "@/lib/threads";
import { PgliteServer } from "./pglite-server";
import { startUpkeep } from "./pglite-upkeep";

/**
 * The embedded database's own thread: PGlite runs here, behind a PostgreSQL socket
 * (`pglite-server.ts`). Postgres in WebAssembly holds its thread for as long as a statement runs; on
 * this thread that delays other statements, never an answer to a client.
 *
 * Messages: the thread posts `{ ready: true }` or `{ error }` once; `"close"` asks it to end every
 * connection, checkpoint and close the database, after which it posts `{ closed: true }`.
 */

export type PgliteHostData = { folder: string; socketPath: string; sharedBuffers: string };
export type PgliteHostMessage = { ready: true } | { error: string } | { closed: true };

async function main() {
  nameThisThread("csv-database");
  const port = parentPort!;
  const { folder, socketPath, sharedBuffers } = workerData as PgliteHostData;
  const post = (message: PgliteHostMessage) => port.postMessage(message);
  let db: PGlite;
  let server: PgliteServer;
  try {
    db = await PGlite.create(folder, {
      startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffers}`],
    });
    server = new PgliteServer({ db, path: socketPath });
    await server.listen();
  } catch (error) {
    post({ error: error instanceof Error ? error.message : String(error) });
    return;
  }
  const stopUpkeep = startUpkeep((tidy) => server.exclusive(() => tidy(db)));
  port.on("message", async (message) => {
    if (message !== "close") return;
    await stopUpkeep();
    await server.close();
    await db.close();
    post({ closed: true });
  });
  post({ ready: true });
}

void main();
