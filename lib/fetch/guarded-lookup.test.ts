import type { LookupAddress, LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { type Resolver, createGuardedLookup, resolveAllowedAddresses } from "./guarded-lookup";
import { RequestBlockedError } from "./request-errors";

// The lookup is called directly: names "resolve" through an injected resolver and nothing connects.

const answers = (...addresses: string[]): Resolver =>
  vi.fn(async () => addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })));

function callLookup(lookup: LookupFunction, hostname: string, options: LookupOptions) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>(
    (resolve) => lookup(hostname, options, (error, address, family) => resolve({ error, address, family })),
  );
}

describe("resolveAllowedAddresses", () => {
  it("returns every address of a public name", async () => {
    const resolve = answers("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946");
    await expect(resolveAllowedAddresses("cdn.example.com", {}, { allowHosts: [], resolve })).resolves.toEqual([
      { address: "93.184.216.34", family: 4 },
      { address: "2606:2800:220:1:248:1893:25c8:1946", family: 6 },
    ]);
  });

  it("refuses a name that resolves to a private address", async () => {
    const error = await resolveAllowedAddresses(
      "images.example.com",
      {},
      { allowHosts: [], resolve: answers("10.0.0.1") },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestBlockedError);
    expect((error as Error).message).toBe(
      "blocked: images.example.com resolves to a private network address (FETCH_ALLOW_HOSTS=images.example.com would allow it)",
    );
  });

  it("refuses a name when ANY of its addresses is blocked", async () => {
    const resolve = answers("93.184.216.34", "169.254.169.254");
    await expect(resolveAllowedAddresses("rebind.example.com", {}, { allowHosts: [], resolve })).rejects.toThrow(
      "blocked: rebind.example.com resolves to the cloud metadata address (FETCH_ALLOW_HOSTS=rebind.example.com would allow it)",
    );
    await expect(
      resolveAllowedAddresses(
        "v6.example.com",
        {},
        { allowHosts: [], resolve: answers("2606:4700::1", "::ffff:7f00:1") },
      ),
    ).rejects.toThrow(RequestBlockedError);
  });

  it("lets an allowlisted name resolve anywhere, and an allowlisted address be reached by any name", async () => {
    await expect(
      resolveAllowedAddresses("minio", {}, { allowHosts: ["minio"], resolve: answers("172.18.0.5") }),
    ).resolves.toEqual([{ address: "172.18.0.5", family: 4 }]);
    await expect(
      resolveAllowedAddresses("dev.test", {}, { allowHosts: ["127.0.0.1"], resolve: answers("127.0.0.1") }),
    ).resolves.toHaveLength(1);
    await expect(
      resolveAllowedAddresses("dev.test", {}, { allowHosts: ["127.0.0.1"], resolve: answers("127.0.0.1", "10.0.0.1") }),
    ).rejects.toThrow("resolves to a private network address");
  });

  it("passes the caller's DNS options on and treats an empty answer as not found", async () => {
    const resolve = answers();
    await expect(
      resolveAllowedAddresses("nothing.example", { family: 6, all: true }, { allowHosts: [], resolve }),
    ).rejects.toMatchObject({ code: "ENOTFOUND" });
    expect(resolve).toHaveBeenCalledWith("nothing.example", { family: 6 });
  });

  it("judges localhost by what the system resolves it to", async () => {
    // Resolved from the hosts file; no packets leave the machine.
    await expect(resolveAllowedAddresses("localhost", {}, { allowHosts: [] })).rejects.toThrow(
      /^blocked: localhost resolves to a loopback address \(FETCH_ALLOW_HOSTS=localhost would allow it\)$/,
    );
    await expect(resolveAllowedAddresses("localhost", {}, { allowHosts: ["localhost"] })).resolves.not.toHaveLength(0);
  });
});

describe("createGuardedLookup", () => {
  it("answers `all: true` callers (autoSelectFamily) with every address", async () => {
    const lookup = createGuardedLookup({ allowHosts: [], resolve: answers("93.184.216.34", "2606:2800:220:1::1") });
    const { error, address } = await callLookup(lookup, "cdn.example.com", { all: true });
    expect(error).toBeNull();
    expect(address).toEqual([
      { address: "93.184.216.34", family: 4 },
      { address: "2606:2800:220:1::1", family: 6 },
    ]);
  });

  it("answers `all: false` callers with the first address and its family", async () => {
    const lookup = createGuardedLookup({ allowHosts: [], resolve: answers("2606:2800:220:1::1", "93.184.216.34") });
    await expect(callLookup(lookup, "cdn.example.com", {})).resolves.toEqual({
      error: null,
      address: "2606:2800:220:1::1",
      family: 6,
    });
  });

  it("hands the refusal to the socket as an error, in both calling styles", async () => {
    const lookup = createGuardedLookup({ allowHosts: [], resolve: answers("10.0.0.1") });
    for (const options of [{ all: true }, {}] as LookupOptions[]) {
      const { error } = await callLookup(lookup, "internal.example.com", options);
      expect(error).toBeInstanceOf(RequestBlockedError);
      expect(error?.message).toBe(
        "blocked: internal.example.com resolves to a private network address (FETCH_ALLOW_HOSTS=internal.example.com would allow it)",
      );
    }
  });

  it("passes resolver failures on unchanged", async () => {
    const failure = Object.assign(new Error("getaddrinfo EAI_AGAIN flaky.example"), { code: "EAI_AGAIN" });
    const lookup = createGuardedLookup({ allowHosts: [], resolve: async () => Promise.reject(failure) });
    await expect(callLookup(lookup, "flaky.example", { all: true })).resolves.toMatchObject({ error: failure });
  });
});
