import { describe, expect, it } from "vitest";
import { MAX_RETRY_DELAY_MS } from "@/lib/jobs/retry-policy";
import { parseRetryAfter } from "./retry-after";

const now = Date.parse("2025-03-01T12:00:00Z");

describe("parseRetryAfter", () => {
  it("reads seconds", () => {
    expect(parseRetryAfter("0", { now })).toBe(0);
    expect(parseRetryAfter("7", { now })).toBe(7000);
    expect(parseRetryAfter(" 120 ", { now })).toBe(120_000);
    expect(parseRetryAfter(["30", "60"], { now })).toBe(30_000);
  });

  it("reads an HTTP-date as the time left until it", () => {
    expect(parseRetryAfter("Sat, 01 Mar 2025 12:00:45 GMT", { now })).toBe(45_000);
    expect(parseRetryAfter("Saturday, 01-Mar-25 12:01:00 GMT", { now })).toBe(60_000);
  });

  it("treats a date in the past as no wait", () => {
    expect(parseRetryAfter("Fri, 28 Feb 2025 12:00:00 GMT", { now })).toBe(0);
  });

  it("caps long waits at five minutes, or the cap given", () => {
    expect(MAX_RETRY_DELAY_MS).toBe(300_000);
    expect(parseRetryAfter("86400", { now })).toBe(300_000);
    expect(parseRetryAfter("Sun, 02 Mar 2025 12:00:00 GMT", { now })).toBe(300_000);
    expect(parseRetryAfter("90", { now, capMs: 60_000 })).toBe(60_000);
  });

  it.each([undefined, "", "soon", "-5", "1.5", "10s", "1e3", "Sat, 99 Foo 2025"])("ignores %j", (value) => {
    expect(parseRetryAfter(value, { now })).toBeUndefined();
  });
});
