import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Resolver } from "./guarded-lookup";
import { type GuardedRequestOptions, guardedRequest } from "./guarded-request";
import {
  NetworkError,
  RequestAbortedError,
  RequestBlockedError,
  ResponseTooLargeError,
  TimeoutError,
  TooManyRedirectsError,
  UnsupportedUrlError,
} from "./request-errors";
import {
  type TestServer,
  closedPort,
  installLoopbackTripwire,
  startServer,
  startTcpServer,
  testCert,
} from "@/test/loopback";

// Every server here listens on loopback; the tripwire fails any socket aimed anywhere else.
let removeTripwire: () => void;
beforeAll(() => {
  removeTripwire = installLoopbackTripwire();
});
afterAll(() => removeTripwire());

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

async function serve(handler: Handler, options?: Parameters<typeof startServer>[1]) {
  const server = await startServer(handler, options);
  servers.push(server);
  return server;
}

async function serveTcp(onSocket?: Parameters<typeof startTcpServer>[0]) {
  const server = await startTcpServer(onSocket);
  servers.push(server);
  return server;
}

const KB = 1024;
const limits = { maxBytes: 1024 * KB, timeoutMs: 2000, connectTimeoutMs: 500, allowHosts: ["127.0.0.1"] };

function request(url: string, options: Partial<GuardedRequestOptions> = {}) {
  return guardedRequest(url, { ...limits, ...options });
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected the request to fail");
    },
    (error: Error) => error,
  );
}

const echo: Handler = (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      }),
    );
  });
};

const redirect =
  (location: (req: IncomingMessage) => string, status = 302): Handler =>
  (req, res) => {
    res.writeHead(status, { location: location(req) });
    res.end();
  };

describe("guardedRequest", () => {
  it("returns status, headers, body and the URL, and asks for an uncompressed body", async () => {
    const server = await serve(echo);
    const response = await request(server.url("/photo.jpg?size=large"), {
      headers: { "User-Agent": "test-agent", "Accept-Encoding": "gzip, br" },
    });
    expect(response.status).toBe(200);
    expect(response.url).toBe(server.url("/photo.jpg?size=large"));
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.truncated).toBe(false);
    const seen = JSON.parse(response.body.toString());
    expect(seen).toMatchObject({ method: "GET", url: "/photo.jpg?size=large" });
    expect(seen.headers).toMatchObject({ "user-agent": "test-agent", "accept-encoding": "identity" });
  });

  it("sends a body, as webhooks do", async () => {
    const server = await serve(echo);
    const payload = JSON.stringify({ requestId: "r1", status: "completed" });
    const response = await request(server.url("/hook"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: payload,
    });
    const seen = JSON.parse(response.body.toString());
    expect(seen).toMatchObject({ method: "POST", body: payload });
    expect(seen.headers).toMatchObject({
      "content-type": "application/json",
      "content-length": String(payload.length),
    });
  });

  it("reaches an IPv6 loopback server by its bracketed address", async () => {
    const server = await serve(echo, { host: "::1" });
    const response = await request(server.url("/v6"), { allowHosts: ["::1"] });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString()).headers.host).toBe(`[::1]:${server.port}`);
  });

  describe("redirects", () => {
    it("follows relative and absolute Locations and reports the final URL", async () => {
      const server = await serve((req, res) => {
        if (req.url === "/a") return redirect(() => "b?step=2", 302)(req, res);
        if (req.url === "/b?step=2") return redirect(() => server.url("/c"), 301)(req, res);
        if (req.url === "/c") return redirect(() => "//127.0.0.1:" + server.port + "/d", 308)(req, res);
        echo(req, res);
      });
      const response = await request(server.url("/a"));
      expect(response.status).toBe(200);
      expect(response.url).toBe(server.url("/d"));
    });

    it("turns a POST into a GET on 303 and keeps it on 307", async () => {
      const server = await serve((req, res) => {
        if (req.url === "/see-other") return redirect(() => "/echo", 303)(req, res);
        if (req.url === "/temporary") return redirect(() => "/echo", 307)(req, res);
        echo(req, res);
      });
      const post = { method: "POST", body: "{}", headers: { "content-type": "application/json" } };
      const seeOther = JSON.parse((await request(server.url("/see-other"), post)).body.toString());
      expect(seeOther).toMatchObject({ method: "GET", body: "" });
      expect(seeOther.headers["content-type"]).toBeUndefined();
      const temporary = JSON.parse((await request(server.url("/temporary"), post)).body.toString());
      expect(temporary).toMatchObject({ method: "POST", body: "{}" });
    });

    it.each([
      [
        "http://169.254.169.254/latest/meta-data/",
        "blocked: 169.254.169.254 is the cloud metadata address (FETCH_ALLOW_HOSTS=169.254.169.254 would allow it)",
      ],
      [
        "http://10.0.0.1/",
        "blocked: 10.0.0.1 is a private network address (FETCH_ALLOW_HOSTS=10.0.0.1 would allow it)",
      ],
      [
        "http://0xa9fea9fe/",
        "blocked: 169.254.169.254 is the cloud metadata address (FETCH_ALLOW_HOSTS=169.254.169.254 would allow it)",
      ],
      [
        "http://[::ffff:10.0.0.1]/",
        "blocked: ::ffff:a00:1 is a private network address (IPv4 10.0.0.1 inside an IPv6 address) (FETCH_ALLOW_HOSTS=[::ffff:a00:1] would allow it)",
      ],
    ])("refuses a redirect to %s before connecting to it", async (target, reason) => {
      const server = await serve(redirect(() => target));
      const error = await failureOf(request(server.url("/image.jpg")));
      expect(error).toBeInstanceOf(RequestBlockedError);
      expect(error.message).toBe(`the server redirected to a refused address: ${reason}`);
      expect(server.connections()).toBe(1);
    });

    it.each(["ftp://127.0.0.1/a.jpg", "file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO"])(
      "refuses a redirect to %s",
      async (target) => {
        const server = await serve(redirect(() => target));
        const error = await failureOf(request(server.url("/")));
        expect(error).toBeInstanceOf(UnsupportedUrlError);
        expect(error.message).toMatch(/only http and https$/);
      },
    );

    it("stops after maxRedirects hops", async () => {
      let hits = 0;
      const server = await serve((req, res) => {
        hits++;
        const step = Number(req.url?.slice(1));
        if (step < 3) return redirect(() => `/${step + 1}`)(req, res);
        res.end("done");
      });
      await expect(request(server.url("/0"), { maxRedirects: 3 })).resolves.toMatchObject({ status: 200 });
      hits = 0;
      const error = await failureOf(request(server.url("/0"), { maxRedirects: 2 }));
      expect(error).toBeInstanceOf(TooManyRedirectsError);
      expect(error.message).toBe("the server redirected more than 2 times");
      expect(hits).toBe(3);
      await expect(request(server.url("/0"), { maxRedirects: 0 })).rejects.toThrow(
        "the server answered with a redirect, and redirects are not followed",
      );
    });

    it("returns a redirect without a Location as it is", async () => {
      const server = await serve((_req, res) => {
        res.writeHead(302);
        res.end("no location");
      });
      await expect(request(server.url("/"))).resolves.toMatchObject({ status: 302 });
    });

    it("does not hand credentials to another origin", async () => {
      const other = await serve(echo);
      const server = await serve((req, res) => {
        if (req.url === "/same") return redirect(() => "/echo")(req, res);
        if (req.url === "/cross") return redirect(() => other.url("/echo"))(req, res);
        echo(req, res);
      });
      const headers = { authorization: "Bearer secret", "x-signature": "sig" };
      const same = JSON.parse((await request(server.url("/same"), { headers })).body.toString());
      expect(same.headers).toMatchObject(headers);
      const cross = JSON.parse((await request(server.url("/cross"), { headers })).body.toString());
      expect(cross.headers.authorization).toBeUndefined();
      expect(cross.headers["x-signature"]).toBe("sig");
    });

    it("follows an https → http downgrade", async () => {
      const plain = await serve(echo);
      const secure = await serve(
        redirect(() => plain.url("/downgraded")),
        { secure: true },
      );
      const response = await request(secure.url("/"), { ca: testCert });
      expect(response.url).toBe(plain.url("/downgraded"));
      expect(response.status).toBe(200);
    });
  });

  describe("the SSRF guard", () => {
    it("refuses loopback that is not allowlisted, before connecting", async () => {
      const server = await serve(echo);
      const error = await failureOf(request(server.url("/"), { allowHosts: [] }));
      expect(error).toBeInstanceOf(RequestBlockedError);
      expect(error.message).toBe(
        "blocked: 127.0.0.1 is a loopback address (FETCH_ALLOW_HOSTS=127.0.0.1 would allow it)",
      );
      expect(server.connections()).toBe(0);
    });

    it("refuses localhost that is not allowlisted, at name resolution", async () => {
      const server = await serve(echo);
      const error = await failureOf(
        request(`http://localhost:${server.port}/`, { allowHosts: [], allowPorts: [server.port] }),
      );
      expect(error).toBeInstanceOf(RequestBlockedError);
      expect(error.message).toMatch(
        /^blocked: localhost resolves to a loopback address \(FETCH_ALLOW_HOSTS=localhost would allow it\)$/,
      );
      expect(server.connections()).toBe(0);
    });

    it("refuses a name that resolves to a private address, without connecting", async () => {
      const resolve: Resolver = vi.fn(async () => [{ address: "10.0.0.1", family: 4 }]);
      const error = await failureOf(request("http://images.example.test/a.jpg", { allowHosts: [], resolve }));
      expect(error).toBeInstanceOf(RequestBlockedError);
      expect(error.message).toBe(
        "blocked: images.example.test resolves to a private network address (FETCH_ALLOW_HOSTS=images.example.test would allow it)",
      );
      expect(resolve).toHaveBeenCalledTimes(1);
    });

    it("connects to the address the guarded lookup returned", async () => {
      const server = await serve(echo);
      const resolve: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
      const response = await request(`http://images.example.test:${server.port}/a.jpg`, {
        allowHosts: ["images.example.test"],
        resolve,
      });
      expect(JSON.parse(response.body.toString()).headers.host).toBe(`images.example.test:${server.port}`);
    });

    it("judges every hop's resolution again (DNS rebinding)", async () => {
      const server = await serve((req, res) => {
        if (req.url === "/first") return redirect(() => "/second")(req, res);
        echo(req, res);
      });
      // The first answer is an allowlisted address; the next one, for the very same name, is not.
      const resolve = vi
        .fn<Resolver>()
        .mockResolvedValueOnce([{ address: "127.0.0.1", family: 4 }])
        .mockResolvedValueOnce([{ address: "192.168.1.10", family: 4 }]);
      const error = await failureOf(
        request(`http://rebind.example.test:${server.port}/first`, {
          allowHosts: ["127.0.0.1"],
          allowPorts: [server.port],
          resolve,
        }),
      );
      expect(error).toBeInstanceOf(RequestBlockedError);
      expect(error.message).toBe(
        "blocked: rebind.example.test resolves to a private network address (FETCH_ALLOW_HOSTS=rebind.example.test would allow it)",
      );
      expect(server.connections()).toBe(1);
    });

    it("reaches other hosts on web ports only; hosts the operator names may use any port", async () => {
      const server = await serve(echo);
      const resolve = vi.fn<Resolver>().mockResolvedValue([{ address: "127.0.0.1", family: 4 }]);
      const refused = await failureOf(
        request(`http://images.example.test:${server.port}/`, { allowHosts: ["127.0.0.1"], resolve }),
      );
      expect(refused).toBeInstanceOf(RequestBlockedError);
      expect(refused.message).toBe(
        `blocked: port ${server.port} is not open to outbound requests (allowed: 80, 443; FETCH_ALLOW_PORTS sets them)`,
      );
      expect(resolve).not.toHaveBeenCalled();
      expect(server.connections()).toBe(0);

      const trusted = await request(`http://images.example.test:${server.port}/`, {
        allowHosts: ["images.example.test"],
        resolve,
      });
      expect(trusted.status).toBe(200);
    });

    it("keeps a connection open for the next request to the same host and port", async () => {
      const server = await serve(echo);
      for (let i = 0; i < 3; i++) expect((await request(server.url(`/${i}`))).status).toBe(200);
      expect(server.connections()).toBe(1);
    });

    it("reuses a connection only under the rules it was opened under", async () => {
      const server = await serve(echo);
      const resolve: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
      const url = `http://images.example.test:${server.port}/a.jpg`;
      await request(url, { allowHosts: ["images.example.test"], resolve });
      // The open connection belongs to rules that trust the name; these rules judge it afresh.
      const error = await failureOf(request(url, { allowHosts: [], allowPorts: [server.port], resolve }));
      expect(error).toBeInstanceOf(RequestBlockedError);
      expect(server.connections()).toBe(1);
    });

    it("sends again on a new connection when the server drops a kept one as it is reused", async () => {
      let served = 0;
      const server = await serve((req, res) => {
        // Each connection's second request finds it closing, as when a server's idle timeout strikes.
        if (served++ % 2 === 1) return req.socket.destroy();
        echo(req, res);
      });
      expect((await request(server.url("/first"))).status).toBe(200);
      const response = await request(server.url("/second"));
      expect(JSON.parse(response.body.toString()).url).toBe("/second");
      expect(server.connections()).toBe(2);
    });

    it("does not send again when a kept connection breaks after the server has answered", async () => {
      let cut = 0;
      const server = await serve((req, res) => {
        if (req.url !== "/cut") return echo(req, res);
        cut++;
        res.writeHead(200, { "content-length": "1000" });
        // A reset (RST), not a close: the client's socket itself fails after the answer began.
        res.write("only part of it", () => setTimeout(() => res.socket?.resetAndDestroy(), 20));
      });
      await request(server.url("/first"));
      const error = await failureOf(request(server.url("/cut")));
      expect(error).toBeInstanceOf(NetworkError);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(cut).toBe(1);
    });

    it("refuses schemes other than http and https", async () => {
      await expect(request("ftp://127.0.0.1/a.jpg")).rejects.toBeInstanceOf(UnsupportedUrlError);
      await expect(request("not a url")).rejects.toThrow("not a url is not a valid web address");
    });
  });

  describe("the byte limit", () => {
    it("stops reading a chunked body without Content-Length as soon as it passes the limit", async () => {
      let sent = 0;
      let closed: () => void;
      const closedEarly = new Promise<void>((resolve) => (closed = resolve));
      const server = await serve((_req, res) => {
        res.writeHead(200, { "content-type": "image/jpeg" });
        res.on("close", () => closed());
        const pump = () => {
          if (res.destroyed || sent > 50 * 1024 * KB) return;
          sent += 16 * KB;
          res.write(Buffer.alloc(16 * KB), () => setImmediate(pump));
        };
        pump();
      });
      const error = await failureOf(request(server.url("/endless.jpg"), { maxBytes: 64 * KB }));
      expect(error).toBeInstanceOf(ResponseTooLargeError);
      expect(error.message).toBe("the response is larger than the 64 KB limit");
      await closedEarly;
      expect(sent).toBeLessThan(10 * 1024 * KB);
    });

    it("stops reading a body that runs until the connection closes", async () => {
      const server = await serveTcp((socket) => {
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nConnection: close\r\n\r\n");
        socket.write(Buffer.alloc(512 * KB));
      });
      await expect(request(server.url("/"), { maxBytes: 100 * KB })).rejects.toBeInstanceOf(ResponseTooLargeError);
    });

    it("rejects at once when Content-Length already exceeds the limit", async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { "content-length": String(50 * 1024 * KB) });
        res.write(Buffer.alloc(KB));
        // ... and never sends the rest: the client must not wait for it.
      });
      const started = Date.now();
      const error = await failureOf(request(server.url("/huge.jpg"), { maxBytes: 25 * 1024 * KB }));
      expect(error).toBeInstanceOf(ResponseTooLargeError);
      expect(error.message).toBe("the response is larger than the 25 MB limit");
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it("accepts a body exactly at the limit", async () => {
      const server = await serve((_req, res) => res.end(Buffer.alloc(10 * KB)));
      await expect(request(server.url("/"), { maxBytes: 10 * KB })).resolves.toMatchObject({ status: 200 });
    });

    it("keeps only the start of a large error page instead of failing on it", async () => {
      const server = await serve((_req, res) => {
        res.writeHead(404, { "content-type": "text/html" });
        res.end(Buffer.alloc(300 * KB, "x"));
      });
      const response = await request(server.url("/missing.jpg"));
      expect(response.status).toBe(404);
      expect(response.body.length).toBe(64 * KB);
      expect(response.truncated).toBe(true);
    });
  });

  describe("timeouts", () => {
    it("gives up on a connection whose TLS handshake never completes (connect timeout)", async () => {
      const server = await serveTcp(); // accepts TCP, then says nothing
      const started = Date.now();
      const error = await failureOf(request(`https://127.0.0.1:${server.port}/`, { connectTimeoutMs: 200 }));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ phase: "connect", retryable: true });
      expect(error.message).toBe("could not connect to 127.0.0.1");
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it("counts a slow name lookup against the connect timeout", async () => {
      const resolve: Resolver = () =>
        new Promise((done) => setTimeout(() => done([{ address: "127.0.0.1", family: 4 }]), 1000));
      const error = await failureOf(
        request("http://slow-dns.example.test/", {
          connectTimeoutMs: 100,
          allowHosts: ["slow-dns.example.test"],
          resolve,
        }),
      );
      expect(error).toMatchObject({
        phase: "connect",
        message: "could not connect to slow-dns.example.test",
      });
    });

    it("ends a body that trickles in past the total timeout", async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { "content-length": "1000" });
        res.write("first bytes");
      });
      const started = Date.now();
      const error = await failureOf(request(server.url("/slow.jpg"), { timeoutMs: 300 }));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ phase: "total", retryable: true });
      expect(error.message).toBe("the request took longer than 0.3 s");
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it("ends a server that never answers", async () => {
      const server = await serve(() => {});
      await expect(request(server.url("/"), { timeoutMs: 200 })).rejects.toMatchObject({ phase: "total" });
    });

    it("counts every redirect hop against the total timeout", async () => {
      const server = await serve((req, res) => {
        const step = Number(req.url?.slice(1));
        setTimeout(() => redirect(() => `/${step + 1}`)(req, res), 80);
      });
      const error = await failureOf(request(server.url("/0"), { timeoutMs: 250, maxRedirects: 20 }));
      expect(error).toMatchObject({ phase: "total" });
    });
  });

  describe("cancelling and network failures", () => {
    it("stops when the caller's signal aborts", async () => {
      const server = await serve(() => {});
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const error = await failureOf(request(server.url("/"), { signal: controller.signal }));
      expect(error).toBeInstanceOf(RequestAbortedError);
    });

    it("does not connect when the signal has already aborted", async () => {
      const server = await serve(echo);
      const error = await failureOf(request(server.url("/"), { signal: AbortSignal.abort() }));
      expect(error).toBeInstanceOf(RequestAbortedError);
      expect(server.connections()).toBe(0);
    });

    it("reports a refused connection as retryable, in the words used for a host that never answers", async () => {
      const port = await closedPort();
      const error = await failureOf(request(`http://127.0.0.1:${port}/`));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({
        code: "ECONNREFUSED",
        retryable: true,
        message: "could not connect to 127.0.0.1",
      });
    });

    it("reports a connection cut in the middle of the body as retryable", async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { "content-length": "1000" });
        res.write("only part of it", () => res.socket?.destroy());
      });
      const error = await failureOf(request(server.url("/")));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ retryable: true });
    });

    it("reports an untrusted certificate as permanent", async () => {
      const server = await serve(echo, { secure: true });
      const error = await failureOf(request(server.url("/")));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ retryable: false });
      expect(error.message).toMatch(/^the secure connection to 127\.0\.0\.1 failed/);
      await expect(request(server.url("/"), { ca: testCert })).resolves.toMatchObject({ status: 200 });
    });

    it("reports a garbled response as permanent", async () => {
      const server = await serveTcp((socket) => socket.end("this is not HTTP\r\n\r\n"));
      const error = await failureOf(request(server.url("/")));
      expect(error).toMatchObject({ retryable: false, message: "127.0.0.1 sent an invalid HTTP response" });
    });
  });
});
