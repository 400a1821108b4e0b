/**
 * The image host's own process (started by image-host.ts): an HTTP server on 127.0.0.1 that serves
 * image bytes from memory, so serving them costs neither the app server's CPU nor the load
 * generator's. The bench process sends it routes over IPC; files are read once, when a route arrives.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HostMessage, HostRoute } from "./image-host";

type LoadedRoute = HostRoute & { bytes?: Buffer; etag?: string };

// As image CDNs do, every file has an ETag and a Last-Modified, and a matching If-None-Match is a 304.
const LAST_MODIFIED = new Date(Date.UTC(2026, 0, 1)).toUTCString();

const exact = new Map<string, LoadedRoute>();
let prefixes: LoadedRoute[] = [];
const hanging = new Set<ServerResponse>();
let requests = 0;
let notModified = 0;

function find(pathname: string): LoadedRoute | undefined {
  return exact.get(pathname) ?? prefixes.find((route) => pathname.startsWith(route.prefix!));
}

function send(response: ServerResponse, route: LoadedRoute) {
  if (response.destroyed) return;
  const bytes = route.bytes!;
  response.writeHead(200, {
    "content-type": route.contentType ?? "image/jpeg",
    "content-length": bytes.length,
    etag: route.etag!,
    "last-modified": LAST_MODIFIED,
  });
  response.end(bytes);
}

const server = createServer((request, response) => {
  requests++;
  const route = find(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
  if (!route) {
    response.writeHead(404, { "content-type": "text/plain" }).end("not found");
    return;
  }
  if (route.hang) {
    // Never answered: the download stays open until the app gives up or the run ends.
    hanging.add(response);
    response.on("close", () => hanging.delete(response));
    return;
  }
  if (route.etag && request.headers["if-none-match"] === route.etag) {
    notModified++;
    response.writeHead(304, { etag: route.etag, "last-modified": LAST_MODIFIED }).end();
    return;
  }
  if (route.delayMs) setTimeout(() => send(response, route), route.delayMs);
  else send(response, route);
});
// Many hung downloads from one app server: never close a socket for being idle or slow.
server.keepAliveTimeout = 60_000;
server.requestTimeout = 0;

function addRoutes(routes: HostRoute[]) {
  for (const route of routes) {
    const bytes = route.file ? readFileSync(route.file) : undefined;
    const etag = bytes ? `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 16)}"` : undefined;
    const loaded: LoadedRoute = { ...route, bytes, etag };
    if (route.path) exact.set(route.path, loaded);
    else prefixes.push(loaded);
  }
  // Longest prefix first, so /photo/big/ wins over /photo/.
  prefixes = prefixes.sort((a, b) => b.prefix!.length - a.prefix!.length);
}

function reply(message: HostMessage) {
  process.send?.(message);
}

process.on("message", (message: HostMessage) => {
  if (message.type === "routes") {
    addRoutes(message.routes);
    reply({ type: "routes-added", id: message.id });
  } else if (message.type === "stats") {
    reply({ type: "stats", id: message.id, requests, hanging: hanging.size, notModified });
  }
});
// The bench process is gone (finished, crashed or killed): so is its image host.
process.on("disconnect", () => process.exit(0));

server.listen(0, "127.0.0.1", () => {
  reply({ type: "listening", port: (server.address() as AddressInfo).port });
});
