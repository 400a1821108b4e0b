import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { clampByte, photoPixels, seededRandom } from "@/test/image-fixtures";
import { pool } from "./pool";

/**
 * Seeded, photo-like test images for the benchmark: the fixtures' product scene (lit backdrop, shaded
 * objects) drawn small and scaled up, tinted per seed, with fine sensor grain at full size. Every seed
 * gives different bytes, so nothing downstream can deduplicate or cache them.
 *
 * Large photos take seconds to make, so each file is kept in os.tmpdir() under a name made of its
 * recipe; change GENERATOR_VERSION when the recipe changes.
 */

const GENERATOR_VERSION = 1;
const CACHE_DIR = path.join(os.tmpdir(), "csv-bench-images");

// The scene is drawn at 1/8 size: the fixtures' per-pixel drawing is too slow for 24 MP in JavaScript.
const SCENE_SCALE = 8;

export type RawImage = { data: Buffer; width: number; height: number; channels: 3 | 4 };

/** Raw RGB pixels of a photo; `grain` is the sensor noise amplitude in levels (±grain/2). */
export async function photoRaw(width: number, height: number, seed: number, grain = 12): Promise<RawImage> {
  const sceneWidth = Math.max(8, Math.ceil(width / SCENE_SCALE));
  const sceneHeight = Math.max(8, Math.ceil(height / SCENE_SCALE));
  const scene = photoPixels(sceneWidth, sceneHeight, seed);
  const data = await sharp(scene, { raw: { width: sceneWidth, height: sceneHeight, channels: 3 } })
    .resize(width, height, { kernel: "cubic", fit: "fill" })
    .raw()
    .toBuffer();
  addGrainAndTint(data, seed, grain);
  return { data, width, height, channels: 3 };
}

function addGrainAndTint(pixels: Buffer, seed: number, grain: number) {
  const next = seededRandom(seed * 7919 + 17);
  const tint = [0.85 + next() * 0.3, 0.85 + next() * 0.3, 0.85 + next() * 0.3];
  const random = seededRandom(seed);
  // One 32-bit draw gives four noise bytes: grain for 24 MP would otherwise take a second per image.
  let bits = 0;
  for (let i = 0; i < pixels.length; i++) {
    if ((i & 3) === 0) bits = Math.floor(random() * 4294967296);
    const noise = (((bits >>> ((i & 3) * 8)) & 0xff) / 255 - 0.5) * grain;
    pixels[i] = clampByte(pixels[i] * tint[i % 3] + noise);
  }
}

/** A photo-like JPEG (what a camera or shop export saves), cached by its recipe. */
export function photoJpeg(width: number, height: number, seed: number, quality = 90): Promise<CachedImage> {
  return cached(`photo-${width}x${height}-s${seed}-q${quality}.jpg`, async () => {
    const raw = await photoRaw(width, height, seed);
    return sharp(raw.data, { raw: raw }).jpeg({ quality, mozjpeg: false }).toBuffer();
  });
}

export type CachedImage = { file: string; bytes: Buffer };

/** Makes an image once per recipe name and keeps it in the cache folder. */
export async function cached(name: string, make: () => Promise<Buffer>): Promise<CachedImage> {
  const file = path.join(CACHE_DIR, `v${GENERATOR_VERSION}-${name}`);
  if (existsSync(file)) return { file, bytes: readFileSync(file) };
  mkdirSync(CACHE_DIR, { recursive: true });
  const bytes = await make();
  // Written under a temporary name first: an interrupted run must not leave half a file in the cache.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, bytes);
  renameSync(partial, file);
  return { file, bytes };
}

/** Makes `count` images with seeds `firstSeed`, `firstSeed + 1`, …, two at a time (sharp uses more threads). */
export async function imageSet(
  count: number,
  make: (seed: number) => Promise<CachedImage>,
  firstSeed = 1,
): Promise<CachedImage[]> {
  const images: CachedImage[] = new Array(count);
  await pool(
    Array.from({ length: count }, (_, index) => index),
    2,
    async (index) => {
      images[index] = await make(firstSeed + index);
    },
  );
  return images;
}
