import dns from "node:dns";
import type { LookupFunction } from "node:net";
import { config } from "@/lib/config";
import { blockedReason, describeBlockedAddress, isHostAllowed } from "./address-guard";
import { RequestBlockedError } from "./request-errors";

/**
 * A DNS lookup for node's `net`/`http` `lookup` option that refuses private addresses.
 *
 * The socket connects to exactly the address this function hands back, so the verdict is on the
 * address actually used: a name that resolves to a public address when checked and to 10.0.0.1 a
 * moment later (DNS rebinding) cannot get through, because there is no second resolution.
 * IP-literal hosts never reach a lookup function in node; `judgeUrl` covers them.
 */

/** Resolves a name to all its addresses, like `dns.lookup` with `all: true`. Injectable for tests. */
export type Resolver = (hostname: string, options: dns.LookupOptions) => Promise<dns.LookupAddress[]>;

export const systemResolver: Resolver = (hostname, options) => dns.promises.lookup(hostname, { ...options, all: true });

export type GuardedLookupOptions = {
  /** Hosts (names or IPs) that may resolve to blocked addresses; defaults to `FETCH_ALLOW_HOSTS`. */
  allowHosts?: readonly string[];
  resolve?: Resolver;
};

/**
 * Resolves a host name and returns its addresses, or throws `RequestBlockedError` if ANY of them
 * is blocked: with several addresses node may try each one, so each one must be safe.
 * An allowlisted name passes whatever it resolves to; so does an address that is itself allowlisted.
 */
export async function resolveAllowedAddresses(
  hostname: string,
  lookupOptions: dns.LookupOptions = {},
  { allowHosts = config.fetch.allowHosts, resolve = systemResolver }: GuardedLookupOptions = {},
): Promise<dns.LookupAddress[]> {
  const { all: _all, ...options } = lookupOptions;
  const addresses = await resolve(hostname, options);
  if (addresses.length === 0) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname });
  }
  if (isHostAllowed(hostname, allowHosts)) return addresses;
  for (const { address } of addresses) {
    const reason = describeBlockedAddress(address);
    if (reason && !isHostAllowed(address, allowHosts)) {
      // The address itself is not named: a name's private address is not the uploader's business.
      throw new RequestBlockedError(blockedReason(`${hostname} resolves to ${reason}`, hostname));
    }
  }
  return addresses;
}

export function createGuardedLookup(guard: GuardedLookupOptions = {}): LookupFunction {
  return (hostname, options, callback) => {
    resolveAllowedAddresses(hostname, options, guard).then(
      (addresses) => {
        // Node 20's autoSelectFamily (happy eyeballs) asks for `all: true`; older callers want one address.
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, options.all ? [] : ""),
    );
  };
}
