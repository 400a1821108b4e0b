import { describe, expect, it } from "vitest";
import { batchedLookup } from "./batched-lookup";

describe("batchedLookup", () => {
  it("answers the lookups of one turn with one call, each with its own value or null", async () => {
    const calls: number[][] = [];
    const square = batchedLookup(
      async (numbers: number[]) => {
        calls.push(numbers);
        return new Map(numbers.filter((n) => n !== 3).map((n) => [String(n), n * n]));
      },
      (n) => String(n),
    );
    const answers = await Promise.all([square(1), square(2), square(3)]);
    expect(answers).toEqual([1, 4, null]);
    expect(calls).toEqual([[1, 2, 3]]);

    // A later turn is a new batch.
    expect(await square(5)).toBe(25);
    expect(calls).toEqual([[1, 2, 3], [5]]);
  });

  it("rejects every lookup of a batch whose call failed, and the next batch starts afresh", async () => {
    let fail = true;
    const lookUp = batchedLookup(
      async (keys: string[]) => {
        if (fail) throw new Error("database down");
        return new Map(keys.map((key) => [key, key.toUpperCase()]));
      },
      (key) => key,
    );
    const results = await Promise.allSettled([lookUp("a"), lookUp("b")]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await lookUp("c")).toBe("C");
  });
});
