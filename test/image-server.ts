import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP server on 127.0.0.1 standing in for a seller's image host in tests and benchmarks.
 * Each path gets a handler; requests per path are counted so tests can see retries and deduplication.
 */
export type Route = (request: IncomingMessage, response: ServerResponse, hit: number) => void | Promise<void>;

export type ImageServer = {
  origin: string;
  url: (path: string) => string;
  route: (path: string, handler: Route) => void;
  hits: (path: string) => number;
  close: () => Promise<void>;
};

export async function startImageServer(): Promise<ImageServer> {
  const routes = new Map<string, Route>();
  const counts = new Map<string, number>();
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    const hit = (counts.get(path) ?? 0) + 1;
    counts.set(path, hit);
    const handler = routes.get(path);
    if (!handler) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    try {
      await handler(request, response, hit);
    } catch {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    route: (path, handler) => void routes.set(path, handler),
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves fixed bytes with a content type. */
export function serveBytes(bytes: Buffer, contentType: string): Route {
  return (_request, response) => {
    response.writeHead(200, { "content-type": contentType, "content-length": bytes.length }).end(bytes);
  };
}

/** The whole body of a request the server received, as text (webhook receivers). */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
