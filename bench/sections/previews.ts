import type { CompressOptions } from "@/lib/images/compress-image";
import { photoJpeg } from "../photos";
import { type Figure, printFigure, printTable, ratioOf } from "../report";
import { appDefaultsInThisProcess } from "../server";
import type { Section } from "./section";

const PHOTOS = 12;
const WIDTH = 1600;
const HEIGHT = 1200;
const ROUNDS = 5;

/** CPU time of this process (every thread: sharp works on libuv's), in milliseconds. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * What the pages' previews cost beside the output, in CPU time per photo: the output alone (the
 * baseline), with the list's two small thumbnails, and as processing makes it (thumbnails and the
 * full-size compare's "before"), one photo at a time so nothing else runs meanwhile; the best of
 * `ROUNDS` rounds, the variants taking turns.
 */
export const previews: Section = {
  name: "previews",
  title: `12. previews: CPU per photo (${PHOTOS} photos, ${WIDTH}×${HEIGHT} JPEG q90) for the output and the pages' previews`,
  async run() {
    appDefaultsInThisProcess();
    const { compressImage } = await import("@/lib/images/compress-image");

    const photos = await Promise.all(
      Array.from({ length: PHOTOS }, async (_, index) => (await photoJpeg(WIDTH, HEIGHT, 900 + index)).bytes),
    );
    const variants: Partial<CompressOptions>[] = [
      {},
      { previews: { list: true, compareSide: 0 } },
      { previews: { list: true } },
    ];
    const compressAll = async (options: Partial<CompressOptions>) => {
      for (const photo of photos) await compressImage(photo, { quality: 50, ...options });
    };
    for (const options of variants) await compressAll(options);
    // Variants take turns, round by round, so that none is timed only in one state of the process.
    const best = variants.map(() => Infinity);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, options] of variants.entries()) {
        const start = cpuMs();
        await compressAll(options);
        best[index] = Math.min(best[index], (cpuMs() - start) / PHOTOS);
      }
    }
    const [alone, listOnly, asProcessed] = best;

    printTable(
      ["work per photo", "CPU ms", "÷ output alone"],
      [
        ["the output alone", alone, 1],
        ["with the list's two thumbnails", listOnly, listOnly / alone],
        ["as processing does it (with the compare's before)", asProcessed, asProcessed / alone],
      ],
    );
    const figure: Figure = {
      name: "CPU per photo as processed ÷ the output alone",
      value: asProcessed,
      unit: "ms",
      baseline: alone,
      baselineName: "the output alone",
      ratio: ratioOf(asProcessed, alone),
      target: { on: "ratio", text: "reported (the previews' price)" },
    };
    printFigure(figure);
    return { figures: [figure], details: { alone, listOnly, asProcessed } };
  },
};
