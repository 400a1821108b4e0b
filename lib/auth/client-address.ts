import http from "node:http";
import net from "node:net";
import { config } from "@/lib/config";
import { processSingleton } from "@/lib/process-singleton";

/**
 * The address a request really came from, which per-client limits count.
 *
 * Next.js hands a route the client's address only as `X-Forwarded-For`, and keeps that header as the
 * client sent it (it fills it in from the socket only when it is absent): a route cannot tell a
 * forged address from a real one. So the address is taken where the connection is accepted: every
 * request the server receives gets `SOCKET_ADDRESS_HEADER` set to its socket's address before Next.js
 * sees it, whatever the client sent under that name. Behind a proxy (`TRUST_PROXY`), the client is the
 * entry that proxy appended to `X-Forwarded-For`, the last one; the socket is the proxy itself.
 */

export const SOCKET_ADDRESS_HEADER = "x-csv-socket-address";

/** Installed once where the server starts (`instrumentation.ts`), before it answers anything. */
export function captureSocketAddresses() {
  processSingleton("socket address capture", installCapture);
}

function installCapture(): true {
  const emit = http.Server.prototype.emit as (this: http.Server, event: string, ...args: unknown[]) => boolean;
  http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
    if (event === "request") {
      const request = args[0] as http.IncomingMessage;
      request.headers[SOCKET_ADDRESS_HEADER] = request.socket.remoteAddress ?? "";
    }
    return emit.call(this, event, ...args);
  } as typeof http.Server.prototype.emit;
  return true;
}

/** The client's address: the trusted proxy's last `X-Forwarded-For` entry, else the socket's. */
export function clientAddress(request: Request): string {
  const socket = request.headers.get(SOCKET_ADDRESS_HEADER) || "unknown";
  if (!config.auth.trustProxy) return socket;
  const forwarded = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  return forwarded.at(-1) ?? socket;
}

/**
 * What a client's limits are counted under: its IPv4 address, or the /64 network of its IPv6 address
 * (one subscriber's line holds a whole /64, so counting single IPv6 addresses counts nothing).
 */
export function addressLimitKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return `ip:${mapped[1]}`;
  if (net.isIPv6(address)) return `ip6:${ipv6Network(address)}::/64`;
  return `ip:${address}`;
}

/** The first four groups of an IPv6 address, written out. */
function ipv6Network(address: string): string {
  const [head, tail = ""] = address.split("%")[0].toLowerCase().split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = address.includes("::") ? 8 - headGroups.length - tailGroups.length : 0;
  const groups = [...headGroups, ...Array<string>(missing).fill("0"), ...tailGroups];
  return groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":");
}
