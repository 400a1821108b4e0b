import { describe, expect, it } from "vitest";
import { metrics } from "./metrics";

// Prometheus's naming rule: the base unit is the last word of a name, before `_total` on a counter
// (`csv_image_in_bytes_total`, not `csv_image_bytes_in_total`).
const UNITS = ["bytes", "seconds", "ratio", "celsius", "meters", "volts", "amperes", "grams", "joules"];

function problemWith(name: string, type: string): string | null {
  const words = name.split("_");
  if (type === "counter" && words.at(-1) !== "total") return "a counter ends in _total";
  const base = type === "counter" ? words.slice(0, -1) : words;
  const unitAt = base.findIndex((word) => UNITS.includes(word));
  if (unitAt !== -1 && unitAt !== base.length - 1) return `the unit "${base[unitAt]}" must be the last word`;
  return null;
}

describe("metric names", () => {
  it("the rule refuses a unit that is not last", () => {
    expect(problemWith("csv_image_bytes_in_total", "counter")).toMatch(/bytes/);
    expect(problemWith("csv_image_in_bytes_total", "counter")).toBeNull();
    expect(problemWith("csv_images_finished", "counter")).toMatch(/_total/);
  });

  it("every metric of the registry follows Prometheus's unit-last rule", () => {
    const all = metrics.register.getMetricsAsArray();
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((metric) => (metric as unknown as { type: string }).type === "counter").length).toBeGreaterThan(
      2,
    );
    const problems = all
      .map((metric) => {
        const { name, type } = metric as unknown as { name: string; type: string };
        const problem = problemWith(name, type);
        return problem && `${name}: ${problem}`;
      })
      .filter(Boolean);
    expect(problems).toEqual([]);
  });
});
