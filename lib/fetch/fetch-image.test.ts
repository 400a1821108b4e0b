import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ImageFailure } from "@/lib/errors";
import { type FetchImageOptions, fetchImage, imageUserAgent } from "./fetch-image";
import { type TestServer, closedPort, installLoopbackTripwire, startServer, startTcpServer } from "@/test/loopback";

let removeTripwire: () => void;
beforeAll(() => {
  removeTripwire = installLoopbackTripwire();
});
afterAll(() => removeTripwire());

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");

async function failureOf(url: string, options?: FetchImageOptions): Promise<ImageFailure> {
  const error = await fetchImage(url, options).then(
    () => {
      throw new Error("expected the download to fail");
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageFailure);
  return error as ImageFailure;
}

describe("fetchImage", () => {
  it("downloads the bytes with the configured limits and says what the server called them", async () => {
    let seen: IncomingMessage["headers"] = {};
    const server = await serve((req, res) => {
      seen = req.headers;
      if (req.url === "/old.png") {
        res.writeHead(301, { location: "/new.png" });
        return res.end();
      }
      res.writeHead(200, { "content-type": "image/png" });
      res.end(png);
    });
    // No overrides: the test settings allowlist 127.0.0.1.
    const image = await fetchImage(server.url("/old.png"));
    expect(image).toEqual({
      bytes: png,
      contentType: "image/png",
      finalUrl: server.url("/new.png"),
      etag: null,
      lastModified: null,
    });
    expect(seen).toMatchObject({ "user-agent": imageUserAgent, accept: "image/*", "accept-encoding": "identity" });
  });

  it("keeps the server's validators, sends them back, and takes a 304 as the image not modified", async () => {
    let seen: IncomingMessage["headers"] = {};
    const lastModified = "Wed, 21 Oct 2026 07:28:00 GMT";
    const server = await serve((req, res) => {
      seen = req.headers;
      if (req.headers["if-none-match"] === '"v1"') return res.writeHead(304, { etag: '"v1"' }).end();
      res.writeHead(200, { "content-type": "image/png", etag: '"v1"', "last-modified": lastModified }).end(png);
    });
    const first = await fetchImage(server.url("/photo.png"));
    expect(first).toMatchObject({ etag: '"v1"', lastModified });
    expect(seen["if-none-match"]).toBeUndefined();

    const again = await fetchImage(server.url("/photo.png"), { ifChangedSince: { etag: '"v1"', lastModified } });
    expect(again).toEqual({ notModified: true, etag: '"v1"', lastModified });
    expect(seen).toMatchObject({ "if-none-match": '"v1"', "if-modified-since": lastModified });

    // A changed image: another ETag is answered with the new bytes.
    const changed = await fetchImage(server.url("/photo.png"), {
      ifChangedSince: { etag: '"v0"', lastModified: null },
    });
    expect(changed).toMatchObject({ bytes: png, etag: '"v1"' });
  });

  it("fails a 304 that answers no question it was asked", async () => {
    const server = await serve((_req, res) => res.writeHead(304).end());
    const failure = await failureOf(server.url("/photo.png"));
    expect(failure.message).toMatch(/answered without the image \(HTTP 304\)/);
  });

  it("does not judge the bytes or trust the content type", async () => {
    const server = await serve((_req, res) => res.end("<html>not an image</html>"));
    const image = await fetchImage(server.url("/"));
    expect(image.contentType).toBeNull();
    expect(image.bytes.toString()).toBe("<html>not an image</html>");
  });

  it("fails an empty file for good", async () => {
    const server = await serve((_req, res) => res.end());
    const failure = await failureOf(server.url("/empty.jpg"));
    expect(failure).toMatchObject({ message: "the server returned an empty file", retryable: false });
  });

  it.each([
    [404, "the image was not found (HTTP 404)"],
    [410, "the image was not found (HTTP 410)"],
    [403, "the server refused access to the image (HTTP 403)"],
    [400, "the server refused the download (HTTP 400)"],
    [451, "the server refused the download (HTTP 451)"],
  ])("fails HTTP %i for good", async (status, message) => {
    const server = await serve((_req, res) => {
      res.statusCode = status;
      res.end("nope");
    });
    expect(await failureOf(server.url("/a.jpg"))).toMatchObject({ message, retryable: false, retryAfterMs: undefined });
  });

  it.each([
    [500, "the server failed to send the image (HTTP 500)"],
    [502, "the server failed to send the image (HTTP 502)"],
    [504, "the server failed to send the image (HTTP 504)"],
    [408, "the server timed out (HTTP 408)"],
    [503, "the server is temporarily unavailable (HTTP 503)"],
    [429, "the server is limiting downloads (HTTP 429)"],
  ])("lets HTTP %i be retried", async (status, message) => {
    const server = await serve((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    expect(await failureOf(server.url("/a.jpg"))).toMatchObject({ message, retryable: true, retryAfterMs: undefined });
  });

  it("passes on the wait a 429 or 503 asks for, in seconds or as a date, capped", async () => {
    let retryAfter = "";
    let status = 429;
    const server = await serve((_req, res) => {
      res.writeHead(status, { "retry-after": retryAfter });
      res.end();
    });
    retryAfter = "7";
    expect(await failureOf(server.url("/"))).toMatchObject({ retryable: true, retryAfterMs: 7000 });
    retryAfter = new Date(Date.now() + 60_000).toUTCString();
    const dated = await failureOf(server.url("/"));
    // An HTTP-date has whole seconds, so the wait is within a second of the minute asked for.
    expect(dated.retryAfterMs).toBeGreaterThan(58_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(60_000);
    retryAfter = "86400";
    expect(await failureOf(server.url("/"))).toMatchObject({ retryAfterMs: 300_000 });
    status = 503;
    retryAfter = "12";
    expect(await failureOf(server.url("/"))).toMatchObject({ retryable: true, retryAfterMs: 12_000 });
  });

  it("fails an image over the byte limit for good", async () => {
    const server = await serve((_req, res) => res.end(Buffer.alloc(4096)));
    expect(await failureOf(server.url("/big.jpg"), { maxBytes: 2048 })).toMatchObject({
      message: "the image is larger than the 2 KB limit",
      retryable: false,
    });
  });

  it("fails a private address for good, with the guard's reason", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/iam/" });
      res.end();
    });
    expect(await failureOf(server.url("/a.jpg"))).toMatchObject({
      message:
        "the server redirected to a refused address: blocked: 169.254.169.254 is the cloud metadata address (FETCH_ALLOW_HOSTS=169.254.169.254 would allow it)",
      retryable: false,
    });
    expect(await failureOf(server.url("/a.jpg"), { allowHosts: [] })).toMatchObject({
      message: "blocked: 127.0.0.1 is a loopback address (FETCH_ALLOW_HOSTS=127.0.0.1 would allow it)",
      retryable: false,
    });
    expect(await failureOf("http://10.0.0.5/a.jpg")).toMatchObject({
      message: "blocked: 10.0.0.5 is a private network address (FETCH_ALLOW_HOSTS=10.0.0.5 would allow it)",
      retryable: false,
    });
  });

  it("fails too many redirects and unsupported addresses for good", async () => {
    const server = await serve((req, res) => {
      res.writeHead(302, { location: `${req.url}x` });
      res.end();
    });
    expect(await failureOf(server.url("/"), { maxRedirects: 2 })).toMatchObject({
      message: "the server redirected more than 2 times",
      retryable: false,
    });
    expect(await failureOf("ftp://127.0.0.1/a.jpg")).toMatchObject({ retryable: false });
    expect(await failureOf("definitely not a url")).toMatchObject({ retryable: false });
  });

  it("lets timeouts and refused connections be retried", async () => {
    const slow = await serve((_req, res) => {
      res.writeHead(200);
      res.write("a few bytes");
    });
    expect(await failureOf(slow.url("/"), { timeoutMs: 200 })).toMatchObject({
      message: "the download took longer than 0.2 s",
      retryable: true,
    });
    const silent = await startTcpServer();
    servers.push(silent);
    expect(await failureOf(`https://127.0.0.1:${silent.port}/`, { connectTimeoutMs: 100 })).toMatchObject({
      message: "could not connect to 127.0.0.1",
      retryable: true,
    });
    const port = await closedPort();
    expect(await failureOf(`http://127.0.0.1:${port}/`)).toMatchObject({
      message: "could not connect to 127.0.0.1",
      retryable: true,
    });
  });

  it("reports a cancelled download", async () => {
    const server = await serve(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    expect(await failureOf(server.url("/"), { signal: controller.signal })).toMatchObject({
      message: "the download was cancelled",
      retryable: true,
    });
  });
});
