import { execFileSync } from "node:child_process";
import net from "node:net";

/**
 * Loopback ports of the end-to-end run, chosen free when the run starts. The config is loaded again
 * in every Playwright worker; the environment carries the first choice to them.
 */

function freePortNow(): number {
  const script =
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
}

export const APP_PORT = Number((process.env.E2E_APP_PORT ??= String(freePortNow())));
export const IMAGE_PORT = Number((process.env.E2E_IMAGE_PORT ??= String(freePortNow())));

export const APP_URL = `http://127.0.0.1:${APP_PORT}`;
export const IMAGE_SERVER_URL = `http://127.0.0.1:${IMAGE_PORT}`;

/** A port nothing listens on right now, for a server a spec starts itself. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
