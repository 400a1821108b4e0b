import { productCsv, uploadCsv } from "../client";
import type { ImageHost } from "../image-host";
import { median } from "../load";
import { recreateBenchDatabase } from "../postgres";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { startServer } from "../server";
import type { Section } from "./section";

const SIZES = [1_000, 10_000];
const URLS_PER_ROW = 5;
const REPEATS = 3;

/** Every URL distinct (as in a real catalogue) and on a path that never answers, so the workers cost nothing. */
function hangingCsv(host: ImageHost, rows: number, run: string): string {
  return productCsv(
    Array.from({ length: rows }, (_, row) =>
      Array.from({ length: URLS_PER_ROW }, (_, k) => host.url(`/hang/${run}/${row}-${k}.jpg`)),
    ),
  );
}

type DatabaseKind = { name: string; label: string; databaseUrl: () => Promise<string | undefined> };

const DATABASES: DatabaseKind[] = [
  { name: "pglite", label: "PGlite", databaseUrl: async () => undefined },
  { name: "postgres", label: "PostgreSQL", databaseUrl: recreateBenchDatabase },
];

async function timeUploads(host: ImageHost, database: DatabaseKind) {
  const server = await startServer({ databaseUrl: await database.databaseUrl(), name: `${database.label} server` });
  try {
    // Loads the route and warms the database before anything is timed.
    await uploadCsv(server.origin, hangingCsv(host, 1, `${database.name}-warm-up`));
    const times: Record<number, number[]> = {};
    for (const rows of SIZES) {
      times[rows] = [];
      for (let repeat = 0; repeat < REPEATS; repeat++) {
        const csv = hangingCsv(host, rows, `${database.name}-${rows}-${repeat}`);
        const { ms, accepted } = await uploadCsv(server.origin, csv, `upload-${rows}.csv`);
        if (accepted.uniqueImages !== rows * URLS_PER_ROW) throw new Error(`expected ${rows * URLS_PER_ROW} images`);
        times[rows].push(ms);
      }
    }
    return times;
  } finally {
    await server.stop();
  }
}

export const upload: Section = {
  name: "upload",
  title: `2. upload: time to 202 for CSVs of ${SIZES.map((n) => n.toLocaleString("en-US")).join(" and ")} rows × ${URLS_PER_ROW} URLs (median of ${REPEATS})`,
  async run({ imageHost }) {
    const host = await imageHost();
    await host.serve([{ prefix: "/hang/", hang: true }]);
    const figures: Figure[] = [];
    const details: Record<string, unknown> = {};
    const rows: (string | number)[][] = [];
    for (const database of DATABASES) {
      const times = await timeUploads(host, database);
      const [small, large] = SIZES.map((size) => median(times[size]) / 1000);
      details[database.name] = { millisecondsByRows: times, medianSeconds: { [SIZES[0]]: small, [SIZES[1]]: large } };
      for (const size of SIZES) {
        rows.push([
          database.label,
          size,
          size * URLS_PER_ROW,
          times[size].map((ms) => num(ms / 1000)).join(", "),
          median(times[size]) / 1000,
        ]);
      }
      const baselineName = `${SIZES[0].toLocaleString("en-US")} rows`;
      figures.push(
        {
          name: `10k-row CSV (50k images) time to 202, ${database.label}`,
          value: large,
          unit: "s",
          baseline: small,
          baselineName,
          ratio: ratioOf(large, small),
          target: { on: "value", atMost: 1, text: "≤ 1 s" },
        },
        {
          name: `10k ÷ 1k rows time to 202, ${database.label}`,
          value: large,
          unit: "s",
          baseline: small,
          baselineName,
          ratio: ratioOf(large, small),
          target: { on: "ratio", atMost: 11, text: "≤ 11" },
        },
      );
    }
    printTable(["database", "rows", "images", "runs (s)", "median s"], rows);
    const stats = await host.stats();
    console.log(`   image host: ${stats.requests} requests so far (the /hang/ ones are never answered, by design)`);
    figures.forEach(printFigure);
    return { figures, details };
  },
};
