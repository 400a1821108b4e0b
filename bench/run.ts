/**
 * `npm run bench [-- <section>…] [--json <file>] [--profile]`: speed and memory figures of the
 * production server, measured from outside as a client meets it. Each figure is printed with a
 * baseline measured in the same run, their ratio, and the target from the performance issue.
 *
 * Sections: throughput, upload, status, loop, memory-idle, memory-peak, memory-deep, kinds, reuse, formats, images-zip (all when
 * none is named).
 * --profile runs the throughput section (alone, unless sections are named) with the server under
 * --cpu-prof, and prints where its main thread spent its time.
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import sharp from "sharp";
import { stopChildrenOnExit } from "./children";
import { lazyImageHost } from "./image-host";
import { type Figure, isMet, printSection, printSummary } from "./report";
import { ensureBuild } from "./server";
import { eventLoop } from "./sections/event-loop";
import { kinds } from "./sections/kinds";
import { memoryIdle } from "./sections/memory-idle";
import { formats } from "./sections/formats";
import { imagesZip } from "./sections/images-zip";
import { memoryDeep } from "./sections/memory-deep";
import { memoryPeak } from "./sections/memory-peak";
import type { Section, SectionResult } from "./sections/section";
import { status } from "./sections/status";
import { throughput } from "./sections/throughput";
import { previews } from "./sections/previews";
import { reuse } from "./sections/reuse";
import { upload } from "./sections/upload";

const SECTIONS: Section[] = [
  throughput,
  upload,
  status,
  eventLoop,
  memoryIdle,
  memoryPeak,
  memoryDeep,
  kinds,
  reuse,
  formats,
  imagesZip,
  previews,
];
// Sections that need no server (the rest need `next build`).
const IN_PROCESS = new Set(["kinds", "previews"]);

type Options = { sections: Section[]; json: string | null; profile: boolean };

const loadAverage = () =>
  `load average ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(" ")}`;

function usage(): never {
  console.log(
    `usage: npm run bench [-- <section>…] [--json <file>] [--profile]\nsections: ${SECTIONS.map((s) => s.name).join(", ")}`,
  );
  process.exit(2);
}

function parseArguments(args: string[]): Options {
  const names: string[] = [];
  let json: string | null = null;
  let profile = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--json") json = args[++i] ?? usage();
    else if (arg === "--profile") profile = true;
    else if (arg === "--help" || arg === "-h") usage();
    else if (SECTIONS.some((section) => section.name === arg)) names.push(arg);
    else {
      console.error(`unknown argument: ${arg}`);
      usage();
    }
  }
  const chosen = names.length ? names : profile ? ["throughput"] : SECTIONS.map((section) => section.name);
  return { sections: SECTIONS.filter((section) => chosen.includes(section.name)), json, profile };
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  stopChildrenOnExit();
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `CSV Image Compressor benchmark · ${new Date().toISOString()} · node ${process.version} · ` +
      `${os.availableParallelism()} × ${cpu} · ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
  );
  console.log(`${loadAverage()}: other work on this machine shares its cores with every figure below`);
  if (options.sections.some((section) => !IN_PROCESS.has(section.name))) ensureBuild();

  const host = lazyImageHost();
  const results: Record<string, SectionResult> = {};
  const figures: Figure[] = [];
  try {
    for (const section of options.sections) {
      printSection(section.title);
      const started = performance.now();
      try {
        results[section.name] = await section.run({ imageHost: host.get, profile: options.profile });
        figures.push(...results[section.name].figures);
      } catch (error) {
        // One broken section (a database not running, say) should not hide the others' figures.
        console.error(`   ✗ ${section.name} did not finish: ${(error as Error).stack ?? error}`);
        results[section.name] = { figures: [], details: { error: String(error) } };
        process.exitCode = 1;
      }
      console.log(`   (${section.name}: ${((performance.now() - started) / 1000).toFixed(0)} s; ${loadAverage()})`);
    }
  } finally {
    await host.close();
  }

  printSummary(figures);
  if (options.json) {
    const summary = figures.map((figure) => ({ ...figure, met: isMet(figure) }));
    writeFileSync(
      options.json,
      JSON.stringify(
        {
          at: new Date().toISOString(),
          node: process.version,
          cores: os.availableParallelism(),
          summary,
          sections: results,
        },
        null,
        2,
      ),
    );
    console.log(`\nfigures written to ${options.json}`);
  }
}

await main();
// Idle keep-alive sockets would otherwise hold the process open.
process.exit(process.exitCode ?? 0);
