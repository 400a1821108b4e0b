import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { installLoopbackTripwire, startServer } from "./loopback";

/**
 * The tripwire is checked with a stand-in for node's real connect underneath it, so even if the
 * tripwire let a socket through, that socket would reach the stand-in and never the network.
 */

const realConnect = net.Socket.prototype.connect;
afterEach(() => {
  net.Socket.prototype.connect = realConnect;
});

function stubConnect() {
  const reached = vi.fn(function (this: net.Socket, ..._args: unknown[]) {
    process.nextTick(() => this.destroy(new Error("stub: would have connected")));
    return this;
  });
  net.Socket.prototype.connect = reached as unknown as typeof realConnect;
  return reached;
}

function get(options: http.RequestOptions) {
  return new Promise<Error>((resolve) => {
    const request = http.request({ ...options, agent: false }, () => resolve(new Error("unexpected response")));
    request.on("error", resolve);
    request.end();
  });
}

describe("installLoopbackTripwire", () => {
  it("stops a socket aimed at a non-loopback IP before it connects", async () => {
    const reached = stubConnect();
    const remove = installLoopbackTripwire();
    const error = await get({ host: "10.0.0.1", port: 80 });
    remove();
    expect(error.message).toBe("test tripwire: refused to connect to 10.0.0.1");
    expect(reached).not.toHaveBeenCalled();
  });

  it("stops a socket whose name resolved to a non-loopback address", async () => {
    const reached = stubConnect();
    const remove = installLoopbackTripwire();
    await get({
      host: "images.example.test",
      port: 80,
      lookup: (_host, _options, done) => done(null, [{ address: "10.0.0.1", family: 4 }]),
    });
    remove();
    // Below the tripwire, net would resolve through the lookup the tripwire handed down.
    const { lookup } = reached.mock.calls[0][0] as net.TcpNetConnectOpts;
    const error = await new Promise<Error | null>((resolve) =>
      lookup?.("images.example.test", { all: true }, (failure) => resolve(failure)),
    );
    expect(error?.message).toBe("test tripwire: images.example.test resolved to 10.0.0.1");
  });

  it("lets loopback through", async () => {
    const remove = installLoopbackTripwire();
    const server = await startServer((_req, res) => res.end("ok"));
    try {
      const status = await new Promise<number | undefined>((resolve, reject) =>
        http.get(server.url("/"), { agent: false }, (res) => resolve(res.statusCode)).on("error", reject),
      );
      expect(status).toBe(200);
    } finally {
      remove();
      await server.close();
    }
  });
});
