import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { OutputFormat } from "@/lib/contract";
import { ANIMATION_FRAMES, EXIF_MARKER_SIZE, imageFixtures, transparentSquare } from "@/test/image-fixtures";
import { photoJpeg } from "@/test/sample-images";
import { compressImage } from "./compress-image";

/**
 * The request's output options on real images: `format` (keep, jpeg, png, webp, avif, auto) and
 * `maxWidth` / `maxHeight`. Every output is decoded again by sharp to check what was promised.
 */

const QUALITY = 50;
const sharpName = {
  jpeg: "jpeg",
  png: "png",
  webp: "webp",
  avif: "heif",
  gif: "gif",
  tiff: "tiff",
  heic: "heif",
} as const;

async function convert(input: Buffer, format: OutputFormat, sizes: { maxWidth?: number; maxHeight?: number } = {}) {
  const output = await compressImage(input, { quality: QUALITY, format, ...sizes });
  const metadata = await sharp(output.data, { animated: true }).metadata();
  // What the bytes are, whatever the result says.
  expect(metadata.format).toBe(sharpName[output.format]);
  return { output, metadata };
}

/** Alpha at (x, y) of a decoded image. */
async function alphaAt(image: Buffer, x: number, y: number): Promise<number> {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return data[(y * info.width + x) * info.channels + 3];
}

describe("format", () => {
  it.each(["jpeg", "png", "webp", "avif"] as const)("writes a JPEG photo as %s", async (format) => {
    const input = await imageFixtures.baselineJpeg();
    const { output, metadata } = await convert(input, format);
    expect(output.format).toBe(format);
    expect(output.contentType).toBe(`image/${format}`);
    expect(output.extension).toBe(format === "jpeg" ? "jpg" : format);
    expect([metadata.width, metadata.height]).toEqual([400, 300]);
  });

  it.each(["png", "webp", "avif"] as const)("keeps the transparency of a cut-out PNG in %s", async (format) => {
    const input = await imageFixtures.transparentPng();
    const { output, metadata } = await convert(input, format);
    expect(output.format).toBe(format);
    expect(metadata.hasAlpha).toBe(true);
    expect(await alphaAt(output.data, 5, 5)).toBeLessThan(10);
    const { left, top, size } = transparentSquare;
    expect(await alphaAt(output.data, left + size / 2, top + size / 2)).toBeGreaterThan(245);
  });

  it("flattens transparency onto white for JPEG, which has none", async () => {
    const { output, metadata } = await convert(await imageFixtures.transparentPng(), "jpeg");
    expect(metadata.hasAlpha).toBe(false);
    const { data } = await sharp(output.data).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)].every((value) => value > 245)).toBe(true);
  });

  it("keeps every frame of an animated GIF: animated WebP for webp, its own format for still-only formats", async () => {
    const input = await imageFixtures.animatedGif();
    const webp = await convert(input, "webp");
    expect(webp.output.format).toBe("webp");
    expect(webp.metadata.pages).toBe(ANIMATION_FRAMES);
    for (const format of ["jpeg", "png", "avif"] as const) {
      const { output, metadata } = await convert(input, format);
      expect(output.format, format).toBe("gif");
      expect(metadata.pages, format).toBe(ANIMATION_FRAMES);
    }
  });

  it("keeps an animated WebP animated in every format", async () => {
    const input = await imageFixtures.animatedWebp();
    for (const format of ["keep", "jpeg", "png", "webp", "avif", "auto"] as const) {
      const { output, metadata } = await convert(input, format);
      expect(output.format, format).toBe("webp");
      expect(metadata.pages, format).toBe(ANIMATION_FRAMES);
    }
  });

  it("auto picks the smallest of WebP, AVIF and the image's own format", async () => {
    for (const name of ["baselineJpeg", "transparentPng", "opaquePng"] as const) {
      const input = await imageFixtures[name]();
      const { output } = await convert(input, "auto");
      const sizes = await Promise.all(
        (["keep", "webp", "avif"] as const).map(async (format) => (await convert(input, format)).output.bytesOut),
      );
      expect(output.bytesOut, name).toBe(Math.min(...sizes));
    }
  });

  it("auto keeps an animation animated, never AVIF", async () => {
    const { output, metadata } = await convert(await imageFixtures.animatedGif(), "auto");
    expect(["gif", "webp"]).toContain(output.format);
    expect(metadata.pages).toBe(ANIMATION_FRAMES);
  });

  it("keeps the original when it is already in the format asked for and nothing smaller comes out", async () => {
    const input = await imageFixtures.alreadyOptimalPng();
    const { output } = await convert(input, "png");
    expect(output).toMatchObject({ format: "png", optimized: false, bytesOut: input.length });
    expect(output.data.equals(input)).toBe(true);
  });
});

describe("maxWidth and maxHeight", () => {
  it("scales a landscape photo down to fit, keeping its aspect ratio", async () => {
    const input = await photoJpeg(1600, 1200);
    expect((await convert(input, "keep", { maxWidth: 800 })).output).toMatchObject({ width: 800, height: 600 });
    expect((await convert(input, "keep", { maxHeight: 300 })).output).toMatchObject({ width: 400, height: 300 });
    // Both: the tighter of the two decides.
    expect((await convert(input, "webp", { maxWidth: 1000, maxHeight: 500 })).output).toMatchObject({
      width: 667,
      height: 500,
    });
  });

  it("scales a portrait photo down to fit", async () => {
    const input = await photoJpeg(900, 1600);
    const { output, metadata } = await convert(input, "keep", { maxWidth: 600, maxHeight: 600 });
    expect(output).toMatchObject({ width: 338, height: 600 });
    expect([metadata.width, metadata.height]).toEqual([338, 600]);
  });

  it("applies EXIF orientation first: the displayed size is what must fit", async () => {
    // Stored 400×300 with orientation 6: displayed 300×400, a portrait.
    const input = await imageFixtures.exifRotatedJpeg();
    const { output, metadata } = await convert(input, "keep", { maxHeight: 200 });
    expect(output).toMatchObject({ width: 150, height: 200 });
    expect(metadata.orientation ?? 1).toBe(1);
    // The red marker stored top-left shows top-right, scaled with the image.
    const { data, info } = await sharp(output.data).raw().toBuffer({ resolveWithObject: true });
    const inMarker = EXIF_MARKER_SIZE / 4;
    const at = (inMarker * info.width + (info.width - inMarker)) * info.channels;
    expect(data[at]).toBeGreaterThan(150);
    expect(data[at + 1]).toBeLessThan(90);
  });

  it("never enlarges an image smaller than the limits, and keeps the original when that is smallest", async () => {
    const input = await photoJpeg(320, 240);
    const { output } = await convert(input, "keep", { maxWidth: 2000, maxHeight: 2000 });
    expect(output).toMatchObject({ width: 320, height: 240 });
  });

  it("never keeps an original that is larger than the limits, even when its re-encode is bigger", async () => {
    // A 2×2 PNG of under 100 bytes: its re-encode at 1×1 is no smaller, but only that one fits.
    const input = await sharp({ create: { width: 2, height: 2, channels: 3, background: "#808080" } })
      .toColourspace("b-w")
      .png({ compressionLevel: 9 })
      .toBuffer();
    const { output, metadata } = await convert(input, "keep", { maxWidth: 1 });
    expect(output.optimized).toBe(true);
    expect(output.bytesOut).toBeGreaterThanOrEqual(input.length);
    expect([metadata.width, metadata.height]).toEqual([1, 1]);
  });

  it("scales every frame of an animation", async () => {
    const input = await imageFixtures.animatedGif();
    const before = await sharp(input, { animated: true }).metadata();
    const { output, metadata } = await convert(input, "keep", { maxWidth: Math.floor(before.width! / 2) });
    expect(metadata.pages).toBe(ANIMATION_FRAMES);
    expect(output.width).toBe(Math.floor(before.width! / 2));
    expect(metadata.pageHeight).toBe(output.height);
  });
});
