import { productCsv, uploadCsv, waitUntilFinished } from "../client";
import { since } from "../http";
import { imageSet, photoJpeg } from "../photos";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { startServer } from "../server";
import type { Section } from "./section";

const PHOTOS = 200;
const ROWS = 40;
const PER_ROW = PHOTOS / ROWS;
const WIDTH = 1600;
const HEIGHT = 1200;
// The throughput section's photos: already made and cached on a machine that ran it.
const FIRST_SEED = 1_000;

type Run = { name: string; seconds: number; reused: number; notModified: number; downloads: number };

export const reuse: Section = {
  name: "reuse",
  title: `9. reuse: the same ${PHOTOS}-photo CSV (${WIDTH}×${HEIGHT} JPEG q90) uploaded again by the same client`,
  async run({ imageHost }) {
    const photos = await imageSet(PHOTOS, (seed) => photoJpeg(WIDTH, HEIGHT, seed), FIRST_SEED);
    const warm = await photoJpeg(WIDTH, HEIGHT, FIRST_SEED - 1);
    const host = await imageHost();
    await host.serve([
      ...photos.map((photo, index) => ({ path: `/reuse/${index}.jpg`, file: photo.file })),
      ...photos.map((photo, index) => ({ path: `/reuse-elsewhere/${index}.jpg`, file: photo.file })),
      { path: "/reuse/warm-up.jpg", file: warm.file },
    ]);
    const csvOf = (folder: string) =>
      productCsv(
        Array.from({ length: ROWS }, (_, row) =>
          Array.from({ length: PER_ROW }, (_, column) => host.url(`/${folder}/${row * PER_ROW + column}.jpg`)),
        ),
      );

    const server = await startServer({ name: "reuse server" });
    try {
      // Route loading and the first sharp call are not part of what is timed; this client's cookie is.
      const warmUp = await uploadCsv(server.origin, productCsv([[host.url("/reuse/warm-up.jpg")]]));
      await waitUntilFinished(server.origin, warmUp.accepted.requestId);
      const cookie = warmUp.cookie;

      const timed = async (name: string, csv: string): Promise<Run> => {
        const before = await host.stats();
        const start = performance.now();
        const { accepted } = await uploadCsv(server.origin, csv, `${name}.csv`, { cookie });
        const status = await waitUntilFinished(server.origin, accepted.requestId, 50);
        const seconds = since(start) / 1000;
        const after = await host.stats();
        if (status.progress.processedImages !== PHOTOS) {
          console.log(
            `   ⚠ ${name}: ${status.progress.failedImages} failed; the server's last words:\n${server.logTail()}`,
          );
        }
        return {
          name,
          seconds,
          reused: status.progress.reusedImages,
          notModified: after.notModified - before.notModified,
          downloads: after.requests - before.requests - (after.notModified - before.notModified),
        };
      };
      const first = await timed("first upload", csvOf("reuse"));
      const again = await timed("the same CSV again", csvOf("reuse"));
      const elsewhere = await timed("the same photos at other URLs", csvOf("reuse-elsewhere"));

      printTable(
        ["run", "seconds", "reused", "304 answers", "full downloads"],
        [first, again, elsewhere].map((run) => [run.name, run.seconds, run.reused, run.notModified, run.downloads]),
      );
      console.log(
        "   again: every URL is downloaded conditionally and the host answers 304; at other URLs the bytes are " +
          "downloaded, hashed and matched, and the earlier outputs are copied (hard links on disk)",
      );
      const figures: Figure[] = [
        {
          name: `re-upload of the same ${PHOTOS}-photo CSV ÷ its first upload`,
          value: again.seconds,
          unit: "s",
          baseline: first.seconds,
          baselineName: "first upload",
          ratio: ratioOf(again.seconds, first.seconds),
          target: { on: "ratio", atMost: 0.1, text: "≤ 0.1" },
        },
        {
          name: `the same ${PHOTOS} photos at other URLs ÷ the first upload`,
          value: elsewhere.seconds,
          unit: "s",
          baseline: first.seconds,
          baselineName: "first upload",
          ratio: ratioOf(elsewhere.seconds, first.seconds),
          target: { on: "ratio", text: "reported: reuse by bytes" },
        },
      ];
      figures.forEach(printFigure);
      console.log(`   (${num(PHOTOS / again.seconds)} images/s when nothing has changed)`);
      return { figures, details: { first, again, elsewhere } };
    } finally {
      await server.stop();
    }
  },
};
