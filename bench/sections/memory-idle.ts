import { sleep } from "../http";
import { recreateBenchDatabase } from "../postgres";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { processTree, toMiB } from "../rss";
import { startServer } from "../server";
import type { Section } from "./section";

const SETTLE_MS = 5_000;
/** Later, once the first seconds' garbage and compilers' memory have been given back. */
const LONG_IDLE_MS = 20_000;

/** Resident memory of a fresh server, `SETTLE_MS` after its health check first answers 200. */
async function idleRss(databaseUrl: string | undefined, name: string) {
  const server = await startServer({ databaseUrl, name });
  try {
    await sleep(SETTLE_MS);
    const bytes = server.rss();
    await sleep(LONG_IDLE_MS - SETTLE_MS);
    return { bytes, later: server.rss(), processes: processTree(server.pid).length };
  } finally {
    await server.stop();
  }
}

export const memoryIdle: Section = {
  name: "memory-idle",
  title: `5. memory-idle: resident memory of an idle server ${SETTLE_MS / 1000} s after health is 200`,
  async run() {
    const embedded = await idleRss(undefined, "embedded server");
    const postgres = await idleRss(await recreateBenchDatabase(), "PostgreSQL server");
    printTable(
      ["database", "RSS MiB", `RSS MiB at ${LONG_IDLE_MS / 1000} s`, "processes"],
      [
        ["embedded (PGlite, fresh folder)", toMiB(embedded.bytes), toMiB(embedded.later), embedded.processes],
        ["PostgreSQL (csv_bench)", toMiB(postgres.bytes), toMiB(postgres.later), postgres.processes],
      ],
    );
    const figures: Figure[] = [
      {
        name: "idle RSS embedded ÷ PostgreSQL",
        value: toMiB(embedded.bytes),
        unit: "MiB",
        baseline: toMiB(postgres.bytes),
        baselineName: "PostgreSQL",
        ratio: ratioOf(embedded.bytes, postgres.bytes),
        target: { on: "ratio", atMost: 1.8, text: "≤ 1.8" },
      },
    ];
    figures.forEach(printFigure);
    console.log(
      `   (embedded ${num(toMiB(embedded.bytes))} MiB, PostgreSQL ${num(toMiB(postgres.bytes))} MiB; at ${LONG_IDLE_MS / 1000} s ` +
        `${num(toMiB(embedded.later))} and ${num(toMiB(postgres.later))} MiB, ratio ${num(embedded.later / postgres.later)})`,
    );
    return { figures, details: { embedded, postgres } };
  },
};
