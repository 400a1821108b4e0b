import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * A local S3-compatible server (s3rver) for tests: listens on 127.0.0.1 only, on a free port,
 * keeps its objects in a fresh temporary folder and starts with one empty bucket.
 */

/** The only key pair s3rver accepts; it checks signatures, so other keys are refused. */
export const S3RVER_CREDENTIALS: S3Credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export type S3Credentials = { accessKeyId: string; secretAccessKey: string };

export type LocalS3Server = {
  /** `http://127.0.0.1:<port>`, to be used with `forcePathStyle: true`. */
  endpoint: string;
  bucket: string;
  credentials: S3Credentials;
  /** Closes the server (open keep-alive connections included) and deletes its folder. */
  stop(): Promise<void>;
  /** Closes the server but keeps its folder: the store is down (connections refused) until `restart()`. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port and folder, with every object it held. */
  restart(): Promise<void>;
};

type S3rverInstance = {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
};
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

// s3rver ships no type declarations; the two methods used here are typed above.
const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;

export async function startS3Server({ bucket = "test-bucket" }: { bucket?: string } = {}): Promise<LocalS3Server> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "s3rver-"));
  // A closed s3rver cannot run again (its logger is closed), so a restart builds a new one on the same folder.
  const open = async (port: number) => {
    const server = new S3rver({
      address: "127.0.0.1",
      port,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
    });
    return { server, address: await server.run() };
  };
  let running: S3rverInstance | null;
  let address: AddressInfo;
  try {
    ({ server: running, address } = await open(0));
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const close = async () => {
    const server = running;
    if (!server) return;
    running = null;
    const closed = server.close();
    // SDK clients keep sockets alive; without this close() would wait for them to time out.
    server.httpServer?.closeAllConnections();
    await closed;
  };
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    credentials: S3RVER_CREDENTIALS,
    async stop() {
      if (stopped) return;
      stopped = true;
      await close();
      await rm(directory, { recursive: true, force: true });
    },
    halt: close,
    async restart() {
      if (stopped) throw new Error("The S3 server was stopped; start a new one.");
      if (running) return;
      ({ server: running } = await open(address.port));
    },
  };
}
