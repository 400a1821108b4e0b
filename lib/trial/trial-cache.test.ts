import { describe, expect, it } from "vitest";
import { TrialCache } from "./trial-cache";

const file = (bytes: number) => ({ data: new Uint8Array(bytes), contentType: "image/jpeg" });

describe("TrialCache", () => {
  it("never holds more than its budget: the least recently used files go first", () => {
    const cache = new TrialCache(100, 60_000, () => 0);
    const keep = { owner: null, expiresAt: 60_000 };
    cache.put("a", file(40), keep);
    cache.put("b", file(40), keep);
    expect(cache.get("a")).not.toBeNull(); // a is now the most recently used
    cache.put("c", file(40), keep);
    expect(cache.get("b")).toBeNull();
    expect(cache.get("a")?.data.byteLength).toBe(40);
    expect(cache.size()).toBe(80);
    // A file larger than the whole budget is not kept, and evicts nothing.
    cache.put("huge", file(101), keep);
    expect(cache.get("huge")).toBeNull();
    expect(cache.size()).toBe(80);
  });

  it("forgets files once their time is up", () => {
    let now = 0;
    const cache = new TrialCache(100, 1_000, () => now);
    cache.put("a", file(10), { owner: "anon:x", expiresAt: cache.expiry() });
    now = 999;
    expect(cache.get("a")?.owner).toBe("anon:x");
    now = 1_000;
    expect(cache.get("a")).toBeNull();
    expect(cache.size()).toBe(0);
  });
});
