import { fork } from "node:child_process";
import path from "node:path";
import { adoptChild } from "./children";

/**
 * A seller's image host, in a child process of its own (image-host-process.ts). Routes are exact
 * paths or path prefixes; each serves one file's bytes, optionally after a delay, or hangs until the
 * run ends.
 */
export type HostRoute = {
  /** Exact path, e.g. /photo/1.jpg. */
  path?: string;
  /** Every path under this prefix, e.g. /slow/. */
  prefix?: string;
  /** File whose bytes are served (read once by the host). */
  file?: string;
  contentType?: string;
  delayMs?: number;
  /** Never answer. */
  hang?: boolean;
};

export type HostMessage =
  | { type: "listening"; port: number }
  | { type: "routes"; id: number; routes: HostRoute[] }
  | { type: "routes-added"; id: number }
  | { type: "stats"; id: number; requests?: number; hanging?: number; notModified?: number };

export type ImageHost = {
  origin: string;
  url: (pathname: string) => string;
  serve: (routes: HostRoute[]) => Promise<void>;
  stats: () => Promise<{ requests: number; hanging: number; notModified: number }>;
  close: () => Promise<void>;
};

export async function startImageHost(): Promise<ImageHost> {
  const child = fork(path.join(import.meta.dirname, "image-host-process.ts"), [], {
    execArgv: ["--import", "tsx"],
    // Its own process group, so stopping it also stops anything it started.
    detached: true,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const stop = adoptChild(child, "image host");

  let nextId = 1;
  const waiting = new Map<number, (message: HostMessage) => void>();
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the image host exited at start (code ${code})`)));
    child.on("message", (message: HostMessage) => {
      if (message.type === "listening") resolve(message.port);
      else if ("id" in message) waiting.get(message.id)?.(message);
    });
  });
  const ask = (message: { type: "routes"; routes: HostRoute[] } | { type: "stats" }) =>
    new Promise<HostMessage>((resolve) => {
      const id = nextId++;
      waiting.set(id, (answer) => {
        waiting.delete(id);
        resolve(answer);
      });
      child.send({ ...message, id });
    });

  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (pathname) => `${origin}${pathname}`,
    serve: async (routes) => void (await ask({ type: "routes", routes })),
    stats: async () => {
      const answer = (await ask({ type: "stats" })) as Extract<HostMessage, { type: "stats" }>;
      return { requests: answer.requests ?? 0, hanging: answer.hanging ?? 0, notModified: answer.notModified ?? 0 };
    },
    close: stop,
  };
}

/** The run's one image host, started when a section first asks for it. */
export function lazyImageHost() {
  let started: Promise<ImageHost> | undefined;
  return {
    get: () => (started ??= startImageHost()),
    close: async () => {
      if (started) await (await started).close();
    },
  };
}
