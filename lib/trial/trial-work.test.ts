import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgeUrl } from "@/lib/fetch/address-guard";
import { installLoopbackTripwire } from "@/test/loopback";
import { tryImage } from "./trial-work";

// Verdicts only: the tripwire fails the test if anything tries to connect off loopback.
let removeTripwire: () => void;
beforeAll(() => {
  removeTripwire = installLoopbackTripwire();
});
afterAll(() => removeTripwire());

const options = { quality: 50, format: "keep", maxWidth: null, maxHeight: null, maxBytes: null } as const;

describe("the address guard on a trial's URLs", () => {
  it.each([
    ["http://169.254.169.254/latest/meta-data", "the cloud metadata address"],
    ["http://10.1.2.3/a.jpg", "a private network address"],
    ["http://[fd00::1]/a.jpg", "a private network address"],
    ["http://[::ffff:192.168.0.1]/a.jpg", "private network address"],
    ["http://100.64.0.1/a.jpg", "a carrier-grade NAT address"],
  ])("%s is refused before any connection, with its reason", async (url, reason) => {
    const verdict = judgeUrl(url, { allowHosts: [] });
    expect(verdict.allowed).toBe(false);
    const tried = await tryImage(url, options);
    expect(tried.ok).toBe(false);
    expect(tried.ok ? "" : tried.error).toMatch(/^Blocked: /);
    expect(tried.ok ? "" : tried.error).toContain(reason);
  });
});
