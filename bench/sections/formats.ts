import { productCsv, uploadCsv, waitUntilFinished } from "../client";
import { since } from "../http";
import { imageSet, photoJpeg } from "../photos";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { startServer } from "../server";
import type { Section } from "./section";

const PHOTOS = 40;
const LARGE = 8;
// Photos the throughput and memory-peak sections make (cached once made).
const PHOTO = { width: 1600, height: 1200, firstSeed: 1_000 };
const LARGE_PHOTO = { width: 6000, height: 4000, firstSeed: 5_000 };
const MAX_WIDTH = 1200;

type Run = { name: string; seconds: number; bytesIn: number; bytesOut: number };

export const formats: Section = {
  name: "formats",
  title: `10. formats: ${PHOTOS} photos as keep, webp and auto; ${LARGE} photos of 24 MP with and without maxWidth=${MAX_WIDTH}`,
  async run({ imageHost }) {
    const [photos, large] = await Promise.all([
      imageSet(PHOTOS, (seed) => photoJpeg(PHOTO.width, PHOTO.height, seed), PHOTO.firstSeed),
      imageSet(LARGE, (seed) => photoJpeg(LARGE_PHOTO.width, LARGE_PHOTO.height, seed), LARGE_PHOTO.firstSeed),
    ]);
    const host = await imageHost();
    await host.serve([
      ...photos.map((photo, index) => ({ path: `/formats/${index}.jpg`, file: photo.file })),
      ...large.map((photo, index) => ({ path: `/formats-large/${index}.jpg`, file: photo.file })),
    ]);
    const csvOf = (folder: string, count: number) =>
      productCsv(Array.from({ length: count }, (_, index) => [host.url(`/${folder}/${index}.jpg`)]));

    const server = await startServer({ name: "formats server" });
    try {
      // Each upload comes from a new client (no owner cookie), so nothing is reused between them.
      const timed = async (name: string, csv: string, fields: Record<string, string>): Promise<Run> => {
        const start = performance.now();
        const { accepted } = await uploadCsv(server.origin, csv, `${name}.csv`, { fields });
        const status = await waitUntilFinished(server.origin, accepted.requestId, 100);
        if (status.progress.failedImages > 0) console.log(`   ⚠ ${name}: some images failed:\n${server.logTail()}`);
        return { name, seconds: since(start) / 1000, ...status.totals };
      };
      await timed("warm-up", csvOf("formats", 2), {});
      const keep = await timed("keep", csvOf("formats", PHOTOS), {});
      const webp = await timed("webp", csvOf("formats", PHOTOS), { format: "webp" });
      const auto = await timed("auto", csvOf("formats", PHOTOS), { format: "auto" });
      const largeKeep = await timed("24 MP, keep", csvOf("formats-large", LARGE), {});
      const largeSized = await timed(`24 MP, maxWidth=${MAX_WIDTH}`, csvOf("formats-large", LARGE), {
        maxWidth: String(MAX_WIDTH),
      });

      printTable(
        ["run", "seconds", "MiB in", "MiB out", "out ÷ in"],
        [keep, webp, auto, largeKeep, largeSized].map((run) => [
          run.name,
          run.seconds,
          run.bytesIn / 2 ** 20,
          run.bytesOut / 2 ** 20,
          run.bytesOut / run.bytesIn,
        ]),
      );
      const figures: Figure[] = [
        {
          name: `format=webp output bytes ÷ keep, ${PHOTOS} photos`,
          value: webp.bytesOut / 2 ** 20,
          unit: "MiB",
          baseline: keep.bytesOut / 2 ** 20,
          baselineName: "keep (JPEG q50)",
          ratio: ratioOf(webp.bytesOut, keep.bytesOut),
          target: { on: "ratio", text: "reported" },
        },
        {
          name: `format=auto output bytes ÷ keep, ${PHOTOS} photos`,
          value: auto.bytesOut / 2 ** 20,
          unit: "MiB",
          baseline: keep.bytesOut / 2 ** 20,
          baselineName: "keep (JPEG q50)",
          ratio: ratioOf(auto.bytesOut, keep.bytesOut),
          target: { on: "ratio", text: "reported" },
        },
        {
          name: `maxWidth=${MAX_WIDTH} on ${LARGE} photos of 24 MP: seconds ÷ keep`,
          value: largeSized.seconds,
          unit: "s",
          baseline: largeKeep.seconds,
          baselineName: "keep, full size",
          ratio: ratioOf(largeSized.seconds, largeKeep.seconds),
          target: { on: "ratio", text: "reported" },
        },
      ];
      figures.forEach(printFigure);
      console.log(
        `   auto took ${num(auto.seconds / keep.seconds)}× keep's time (three encodes an image); ` +
          `maxWidth=${MAX_WIDTH} made the 24 MP outputs ${num(largeSized.bytesOut / largeKeep.bytesOut)}× the size`,
      );
      return { figures, details: { keep, webp, auto, largeKeep, largeSized } };
    } finally {
      await server.stop();
    }
  },
};
