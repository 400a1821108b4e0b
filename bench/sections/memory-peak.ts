import { productCsv, uploadCsv, waitUntilFinished } from "../client";
import { since, sleep } from "../http";
import { imageSet, photoJpeg } from "../photos";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { sampleRss, toMiB } from "../rss";
import { startServer } from "../server";
import type { Section } from "./section";

const PHOTOS = 24;
const WIDTH = 6000;
const HEIGHT = 4000;
const SETTLE_MS = 20_000;
const SAMPLE_EVERY_MS = 50;
const FIRST_SEED = 5_000;

export const memoryPeak: Section = {
  name: "memory-peak",
  title: `6. memory-peak: a request of ${PHOTOS} distinct ${(WIDTH * HEIGHT) / 1e6} MP photos (${WIDTH}×${HEIGHT} JPEG q90), embedded database`,
  async run({ imageHost }) {
    const generationStart = performance.now();
    const photos = await imageSet(PHOTOS, (seed) => photoJpeg(WIDTH, HEIGHT, seed), FIRST_SEED);
    const inputMiB = toMiB(photos.reduce((sum, photo) => sum + photo.bytes.length, 0));
    console.log(
      `   photos ready in ${num(since(generationStart) / 1000)} s; ${num(inputMiB / PHOTOS)} MiB each on average`,
    );
    const host = await imageHost();
    await host.serve(photos.map((photo, index) => ({ path: `/large/${index}.jpg`, file: photo.file })));

    const server = await startServer({ name: "memory server" });
    try {
      // As a server that has been up a while meets an upload: the first seconds after a start hold
      // garbage and compilers' memory that they give back (about 70 MiB on the embedded defaults).
      await sleep(SETTLE_MS);
      const idle = server.rss();
      const sampler = sampleRss(server.pid, SAMPLE_EVERY_MS);
      const start = performance.now();
      const urls = photos.map((_, index) => [host.url(`/large/${index}.jpg`)]);
      const { accepted } = await uploadCsv(server.origin, productCsv(urls), "large-photos.csv");
      // Polled gently: the status calls should not be what is measured.
      const final = await waitUntilFinished(server.origin, accepted.requestId, 250);
      const seconds = since(start) / 1000;
      const { peak, samples } = sampler.stop();

      printTable(
        ["idle RSS MiB", "peak RSS MiB", "peak − idle MiB", "samples", "seconds", "processed", "failed"],
        [
          [
            toMiB(idle),
            toMiB(peak),
            toMiB(peak - idle),
            samples,
            seconds,
            final.progress.processedImages,
            final.progress.failedImages,
          ],
        ],
      );
      if (final.progress.failedImages > 0)
        console.log(`   ⚠ some images failed; the server's last words:\n${server.logTail()}`);
      const figures: Figure[] = [
        {
          name: `peak RSS ${PHOTOS} × ${(WIDTH * HEIGHT) / 1e6} MP photos`,
          value: toMiB(peak),
          unit: "MiB",
          baseline: toMiB(idle),
          baselineName: "idle before",
          ratio: ratioOf(peak, idle),
          target: { on: "value", atMost: 900, text: "≤ 900 MiB" },
        },
      ];
      figures.forEach(printFigure);
      console.log(`   peak − idle: ${num(toMiB(peak - idle))} MiB`);
      return {
        figures,
        details: { idleBytes: idle, peakBytes: peak, samples, seconds, progress: final.progress, inputMiB },
      };
    } finally {
      await server.stop();
    }
  },
};
