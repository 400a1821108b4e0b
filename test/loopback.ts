import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";

/**
 * Test helpers for the outbound HTTP layer: servers on 127.0.0.1, and a tripwire that stops any
 * socket from connecting anywhere but loopback, so a bug in the guard fails a test instead of
 * reaching a real network.
 */

// A self-signed certificate for 127.0.0.1, localhost and ::1, valid 2020-2120. Test use only.
export const testKey = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgd8jufRsCN1KcT5Cx
kPFzrjROptmH8uM5tuOIRdhEYkihRANCAATJipaAFybBaSPj25OL4wO68TLekdjK
cZEKTu5frrIxoomtVOhL9k08FsR3rJ6LxKDQuvFd+0LdTi6mT1XE5uvF
-----END PRIVATE KEY-----
`;

export const testCert = `-----BEGIN CERTIFICATE-----
MIIBdzCCARygAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlsb2NhbGhv
c3QwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABMmKloAXJsFpI+Pb
k4vjA7rxMt6R2MpxkQpO7l+usjGiia1U6Ev2TTwWxHesnovEoNC68V37Qt1OLqZP
VcTm68WjXTBbMAwGA1UdEwEB/wQCMAAwLAYDVR0RBCUwI4cEfwAAAYIJbG9jYWxo
b3N0hxAAAAAAAAAAAAAAAAAAAAABMB0GA1UdDgQWBBSRbkcGxAF/1rcLiTJ0CMuD
JsrmrzAKBggqhkjOPQQDAgNJADBGAiEA8jckXd8cmyBhWJPUPxnE/KnmgFxzGOQM
Pcilkkj7kRsCIQCtEDmpYx4Ud42hm+il2VhKq7Ajd6wJC+VuHoNuhQLLpQ==
-----END CERTIFICATE-----
`;

export type TestServer = {
  origin: string;
  port: number;
  url: (path?: string) => string;
  /** TCP connections accepted so far. */
  connections: () => number;
  close: () => Promise<void>;
};

/** An HTTP (or HTTPS, with `testCert`) server on 127.0.0.1 (or ::1) and a free port. */
export async function startServer(
  handler: http.RequestListener,
  { secure = false, host = "127.0.0.1" }: { secure?: boolean; host?: "127.0.0.1" | "::1" } = {},
): Promise<TestServer> {
  const server = secure ? https.createServer({ key: testKey, cert: testCert }, handler) : http.createServer(handler);
  return listen(server, secure ? "https" : "http", () => server.closeAllConnections(), host);
}

/** A bare TCP server on 127.0.0.1 that hands each socket to `onSocket` and otherwise does nothing. */
export async function startTcpServer(onSocket: (socket: net.Socket) => void = () => {}): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onSocket(socket);
  });
  return listen(server, "http", () => {
    for (const socket of sockets) socket.destroy();
  });
}

async function listen(
  server: net.Server,
  scheme: string,
  dropConnections: () => void,
  host = "127.0.0.1",
): Promise<TestServer> {
  let connections = 0;
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  const origin = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    origin,
    port,
    url: (path = "/") => `${origin}${path}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        dropConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const loopback = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

class TripwireError extends Error {
  override name = "TripwireError";
  readonly code = "TEST_TRIPWIRE";
}

/**
 * Patches `net.Socket.prototype.connect` so that a socket (plain or TLS) can only connect to
 * 127.0.0.1, ::1 or a Unix socket: IP hosts are checked before connecting, names after their lookup. Returns the
 * function that removes the patch.
 */
export function installLoopbackTripwire(): () => void {
  const original = net.Socket.prototype.connect;
  const connect = function (this: net.Socket, ...args: unknown[]) {
    // net.createConnection passes its already-normalised [options, callback] array as the first argument.
    const [options, callback] = (Array.isArray(args[0]) ? args[0] : args) as [unknown, unknown];
    // A Unix socket path (the embedded database's) never leaves the machine.
    if (typeof options === "string") return original.apply(this, args as never);
    if (typeof options !== "object" || options === null) {
      // connect(port, host) is not used by http/https; refusing it keeps the tripwire simple.
      const refusal = new TripwireError("test tripwire: connect() must be called with an options object");
      process.nextTick(() => this.destroy(refusal));
      return this;
    }
    if ((options as net.IpcNetConnectOpts).path) return original.apply(this, args as never);
    const tcp = options as net.TcpNetConnectOpts;
    const host = tcp.host ?? "localhost";
    if (net.isIP(host)) {
      if (!loopback.has(host)) {
        process.nextTick(() => this.destroy(new TripwireError(`test tripwire: refused to connect to ${host}`)));
        return this;
      }
      return original.apply(this, args as never);
    }
    const inner = (tcp.lookup ?? dns.lookup) as net.LookupFunction;
    const lookup: net.LookupFunction = (hostname, lookupOptions, done) =>
      inner(hostname, lookupOptions, (error, address, family) => {
        const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
        const outside = error ? undefined : addresses.find((entry) => !loopback.has(entry));
        if (outside !== undefined) {
          return done(
            new TripwireError(`test tripwire: ${hostname} resolved to ${outside}`),
            lookupOptions.all ? [] : "",
          );
        }
        done(error, address, family);
      });
    return original.apply(this, [{ ...tcp, lookup }, callback] as never);
  };
  net.Socket.prototype.connect = connect as typeof original;
  return () => {
    net.Socket.prototype.connect = original;
  };
}
