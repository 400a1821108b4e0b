import sharp, { type Sharp } from "sharp";
import type { CompressedImage } from "@/lib/images/compress-image";
import { since } from "../http";
import { median } from "../load";
import { type CachedImage, cached, photoJpeg, photoRaw, type RawImage } from "../photos";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { appDefaultsInThisProcess } from "../server";
import type { Section } from "./section";

const QUALITY = 50;
/** Rounds over every kind in turn, so that no kind is timed only in one state of the process. */
const ROUNDS = 5;
/** Each kind runs this often, or for this long, in a round (at least once). */
const RUNS_PER_ROUND = 5;
const MS_PER_ROUND = 300;
// The first few images of a process run several times slower than the rest (libvips and glibc
// malloc warming up); the warm-up takes them before any figure is kept.
const WARMUP_RUNS = 10;
const WARMUP_MS = 1000;
const WIDTH = 1600;
const HEIGHT = 1200;
const FRAME_WIDTH = 800;
const FRAME_HEIGHT = 600;
const FRAMES = 8;

const fromRaw = (raw: RawImage) => sharp(raw.data, { raw });

/** Frames of a short clip, stacked top to bottom as sharp takes animated raw input. */
async function clip(): Promise<Sharp> {
  const frames = await Promise.all(
    Array.from({ length: FRAMES }, (_, index) => photoRaw(FRAME_WIDTH, FRAME_HEIGHT, 300 + index)),
  );
  return sharp(Buffer.concat(frames.map((frame) => frame.data)), {
    raw: { width: FRAME_WIDTH, height: FRAME_HEIGHT * FRAMES, channels: 3, pageHeight: FRAME_HEIGHT },
  });
}

/** A logo-like cut-out: flat shapes with soft edges on a transparent background. */
function graphicSvg(): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">` +
      `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1e8cdc"/><stop offset="1" stop-color="#0b3d6b"/></linearGradient></defs>` +
      `<circle cx="520" cy="600" r="380" fill="url(#g)"/>` +
      `<rect x="820" y="260" width="560" height="420" rx="60" fill="#e8462e" fill-opacity="0.85"/>` +
      `<polygon points="900,1100 1180,700 1460,1100" fill="#f4c430"/>` +
      `<path d="M200 200 C 600 0, 1000 400, 1400 150" stroke="#222" stroke-width="24" fill="none"/></svg>`,
  );
}

type Kind = { name: string; make: () => Promise<CachedImage> };

// Fixtures (test/image-fixtures.ts) are 400×300: too small to time. Same scene, larger.
const KINDS: Kind[] = [
  { name: "JPEG photo", make: () => photoJpeg(WIDTH, HEIGHT, 42) },
  {
    name: "PNG photo, noisy (~5 MB)",
    make: () =>
      cached(`png-noisy-${WIDTH}x${HEIGHT}.png`, async () =>
        fromRaw(await photoRaw(WIDTH, HEIGHT, 43, 24))
          .png()
          .toBuffer(),
      ),
  },
  {
    name: "PNG graphic, transparent",
    make: () => cached(`png-graphic-${WIDTH}x${HEIGHT}.png`, () => sharp(graphicSvg()).png().toBuffer()),
  },
  {
    name: "WebP lossy photo",
    make: () =>
      cached(`webp-${WIDTH}x${HEIGHT}.webp`, async () =>
        fromRaw(await photoRaw(WIDTH, HEIGHT, 44))
          .webp({ quality: 90 })
          .toBuffer(),
      ),
  },
  {
    name: "AVIF photo",
    make: () =>
      cached(`avif-${WIDTH}x${HEIGHT}.avif`, async () =>
        fromRaw(await photoRaw(WIDTH, HEIGHT, 45))
          .avif({ quality: 80, effort: 2 })
          .toBuffer(),
      ),
  },
  {
    name: `animated GIF (${FRAMES} frames)`,
    make: () =>
      cached(`gif-${FRAME_WIDTH}x${FRAME_HEIGHT}x${FRAMES}.gif`, async () =>
        (await clip()).gif({ delay: 100, loop: 0 }).toBuffer(),
      ),
  },
  {
    name: `animated WebP (${FRAMES} frames)`,
    make: () =>
      cached(`webp-${FRAME_WIDTH}x${FRAME_HEIGHT}x${FRAMES}.webp`, async () =>
        (await clip()).webp({ quality: 90, delay: 100, loop: 0 }).toBuffer(),
      ),
  },
  {
    name: "TIFF photo (LZW)",
    make: () =>
      cached(`tiff-${WIDTH}x${HEIGHT}.tiff`, async () =>
        fromRaw(await photoRaw(WIDTH, HEIGHT, 46))
          .tiff({ compression: "lzw" })
          .toBuffer(),
      ),
  },
];

/** Runs `work` until it has run `runs` times or for `ms` milliseconds (at least once); the time of each run. */
async function timeRuns(work: () => Promise<unknown>, runs: number, ms: number): Promise<number[]> {
  const times: number[] = [];
  const start = performance.now();
  while (times.length === 0 || (times.length < runs && since(start) < ms)) {
    const runStart = performance.now();
    await work();
    times.push(since(runStart));
  }
  return times;
}

type KindResult = {
  name: string;
  runs: number;
  inputBytes: number;
  megapixels: number;
  msPerImage: number;
  secondsPerMegapixel: number;
  outputShare: number;
  outputFormat: string;
  optimized: boolean;
};

export const kinds: Section = {
  name: "kinds",
  title: `8. kinds: compressImage in this process, quality ${QUALITY}, median over ${ROUNDS} interleaved rounds after a warm-up`,
  async run() {
    appDefaultsInThisProcess();
    const { compressImage } = await import("@/lib/images/compress-image");

    const inputs = await Promise.all(KINDS.map(async (kind) => (await kind.make()).bytes));
    const compress = (input: Buffer) => () => compressImage(input, { quality: QUALITY });
    const outputs: CompressedImage[] = [];
    for (const input of inputs) outputs.push(await compress(input)());
    for (const input of inputs) await timeRuns(compress(input), WARMUP_RUNS, WARMUP_MS);
    // Kinds leave the process in different states (memory handed back, encoders' threads), so each is
    // timed after every other, round by round, and the median of all its runs kept.
    const times: number[][] = KINDS.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, input] of inputs.entries()) {
        times[index].push(...(await timeRuns(compress(input), RUNS_PER_ROUND, MS_PER_ROUND)));
      }
    }

    const results: KindResult[] = KINDS.map((kind, index) => {
      const input = inputs[index];
      const first = outputs[index];
      const megapixels = (first.width * first.height * first.frames) / 1e6;
      const msPerImage = median(times[index]);
      return {
        name: kind.name,
        runs: times[index].length,
        inputBytes: input.length,
        megapixels,
        msPerImage,
        secondsPerMegapixel: msPerImage / 1000 / megapixels,
        outputShare: first.bytesOut / first.bytesIn,
        outputFormat: first.format,
        optimized: first.optimized,
      };
    });

    const jpeg = results[0];
    printTable(
      [
        "kind",
        "input KiB",
        "MP (all frames)",
        "runs",
        "ms/image (median)",
        "s/MP",
        "out/in",
        "output",
        "s/MP ÷ JPEG's",
      ],
      results.map((result) => [
        result.name,
        result.inputBytes / 1024,
        result.megapixels,
        result.runs,
        result.msPerImage,
        num(result.secondsPerMegapixel, 4),
        result.outputShare,
        `${result.outputFormat}${result.optimized ? "" : " (original kept)"}`,
        num(ratioOf(result.secondsPerMegapixel, jpeg.secondsPerMegapixel)),
      ]),
    );

    const figure = (name: string, result: KindResult): Figure => ({
      name,
      value: result.secondsPerMegapixel,
      unit: "s/MP",
      baseline: jpeg.secondsPerMegapixel,
      baselineName: "JPEG photo",
      ratio: ratioOf(result.secondsPerMegapixel, jpeg.secondsPerMegapixel),
      target: { on: "ratio", atMost: 3, text: "≤ 3" },
    });
    const noisyPng = results[1];
    const slowest = results.slice(1).reduce((a, b) => (b.secondsPerMegapixel > a.secondsPerMegapixel ? b : a));
    const figures = [
      figure(`noisy 5 MB PNG s/MP ÷ JPEG's (${num(noisyPng.msPerImage / 1000)} s per image)`, noisyPng),
      figure(`slowest kind s/MP ÷ JPEG's: ${slowest.name}`, slowest),
    ];
    figures.forEach(printFigure);
    return { figures, details: { kinds: results } };
  },
};
