import sharp from "sharp";
import { productCsv, uploadCsv, waitUntilFinished } from "../client";
import { since, sleep } from "../http";
import { cached, imageSet } from "../photos";
import { pool } from "../pool";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { sampleRss, toMiB } from "../rss";
import { startServer } from "../server";
import type { Section } from "./section";

const IMAGES = 16;
const WIDTH = 10_000;
const HEIGHT = 5_000;
const CONCURRENCIES = [1, 2, 4];
const SAMPLE_EVERY_MS = 50;
const SETTLE_MS = 5_000;
// The server's default IMAGE_MEMORY_BUDGET_BYTES: what it may reserve for decoded pixels at once.
const BUDGET_MIB = 512;
const DECODED_MIB = toMiB(WIDTH * HEIGHT * 4 * 2);

/**
 * A 16-bit RGBA PNG of 50 MP: small on the wire (one flat colour per seed deflates to ~2 MB) and
 * 400 MB once decoded, which is what the service must budget for, whatever its file size.
 */
const deepPng = (seed: number) =>
  cached(`deep-rgba16-${WIDTH}x${HEIGHT}-s${seed}.png`, () =>
    sharp({
      create: {
        width: WIDTH,
        height: HEIGHT,
        channels: 4,
        background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: (seed * 53) % 256, alpha: 0.8 },
      },
    })
      .toColourspace("rgb16")
      .png()
      .toBuffer(),
  );

/** What the service does to a PNG, without the service (compress-image.ts's PNG settings at quality 50). */
const bareCompress = (input: Buffer) =>
  sharp(input, { limitInputPixels: WIDTH * HEIGHT })
    .autoOrient()
    .png({ palette: true, quality: 50, effort: 1, compressionLevel: 9 })
    .toBuffer();

export const memoryDeep: Section = {
  name: "memory-deep",
  title: `7. memory-deep: a request of ${IMAGES} distinct ${(WIDTH * HEIGHT) / 1e6} MP 16-bit RGBA PNGs (${num(DECODED_MIB)} MiB each decoded), embedded database`,
  async run({ imageHost }) {
    const images = await imageSet(IMAGES, deepPng);
    const check = await sharp(images[0].bytes).metadata();
    console.log(
      `   images ready: ${check.width}×${check.height}, ${check.channels} channels of ${check.depth}, ` +
        `${num(toMiB(images[0].bytes.length))} MiB each on the wire`,
    );

    sharp.cache(false);
    const bare = [];
    for (const concurrency of CONCURRENCIES) {
      const start = performance.now();
      await pool(
        images.map((image) => image.bytes),
        concurrency,
        bareCompress,
      );
      bare.push({ concurrency, seconds: since(start) / 1000 });
    }
    const best = bare.reduce((a, b) => (b.seconds < a.seconds ? b : a));

    const host = await imageHost();
    await host.serve(images.map((image, index) => ({ path: `/deep/${index}.png`, file: image.file })));
    const server = await startServer({ name: "memory-deep server" });
    try {
      await sleep(SETTLE_MS);
      const idle = server.rss();
      const sampler = sampleRss(server.pid, SAMPLE_EVERY_MS);
      const start = performance.now();
      const urls = images.map((_, index) => [host.url(`/deep/${index}.png`)]);
      const { accepted } = await uploadCsv(server.origin, productCsv(urls), "deep-pixels.csv");
      const final = await waitUntilFinished(server.origin, accepted.requestId, 250);
      const seconds = since(start) / 1000;
      const { peak, samples } = sampler.stop();

      printTable(
        ["run", "seconds", "images/s"],
        [
          ...bare.map((run) => [
            `bare sharp in the bench process, ${run.concurrency} at once${run === best ? " (best: baseline)" : ""}`,
            run.seconds,
            IMAGES / run.seconds,
          ]),
          ["end to end: upload → not processing (the service)", seconds, IMAGES / seconds],
        ],
      );
      printTable(
        ["idle RSS MiB", "peak RSS MiB", "peak − idle MiB", "samples", "processed", "failed"],
        [
          [
            toMiB(idle),
            toMiB(peak),
            toMiB(peak - idle),
            samples,
            final.progress.processedImages,
            final.progress.failedImages,
          ],
        ],
      );
      if (final.progress.failedImages > 0)
        console.log(`   ⚠ some images failed; the server's last words:\n${server.logTail()}`);
      console.log(
        `   the memory gate reserves ${num(DECODED_MIB)} MiB per image from a ${BUDGET_MIB} MiB budget, so the ` +
          `server takes these one at a time; libvips decodes PNG row by row and needs far less than it reserves`,
      );

      const figures: Figure[] = [
        {
          name: `RSS growth, ${IMAGES} × 50 MP 16-bit RGBA ÷ the memory budget`,
          value: toMiB(peak - idle),
          unit: "MiB",
          baseline: BUDGET_MIB,
          baselineName: "IMAGE_MEMORY_BUDGET_BYTES",
          ratio: ratioOf(peak - idle, BUDGET_MIB * 1024 * 1024),
          target: { on: "ratio", atMost: 1, text: "≤ 1 (memory bounded by the budget)" },
        },
        {
          name: `${IMAGES} × 50 MP 16-bit RGBA end to end ÷ bare sharp at best concurrency`,
          value: IMAGES / seconds,
          unit: "img/s",
          baseline: IMAGES / best.seconds,
          baselineName: `bare sharp, ${best.concurrency} at once`,
          ratio: ratioOf(best.seconds, seconds),
          target: { on: "ratio", text: "reported: the price of the budget" },
        },
      ];
      figures.forEach(printFigure);
      return {
        figures,
        details: { idleBytes: idle, peakBytes: peak, samples, seconds, bare, progress: final.progress },
      };
    } finally {
      await server.stop();
    }
  },
};
