import sharp, { type Sharp } from "sharp";
import { describe, expect, it } from "vitest";
import { compressImage } from "./compress-image";

/**
 * Scanned documents arrive as TIFF, which browsers do not show, so the original cannot be kept: the
 * output must still never be larger than a web format can make it. The pages are made here: a page of
 * text rendered by sharp, then written as a CCITT Group 4 fax TIFF (1 bit a pixel) or a greyscale TIFF.
 */

const PAGE_WIDTH = 1240;
const PAGE_HEIGHT = 1754;

/** A scanned invoice page: a frame and sixty lines of text, black on white, grey. */
function textPage(): Sharp {
  const lines = Array.from(
    { length: 60 },
    (_, i) =>
      `<text x="80" y="${120 + i * 26}" font-size="20" font-family="sans-serif">Line ${i}: 4 x Widget, part WX-${1000 + i * 7}, total ${i * 13}.50</text>`,
  ).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE_WIDTH}" height="${PAGE_HEIGHT}"><rect width="100%" height="100%" fill="white"/><rect x="60" y="60" width="${PAGE_WIDTH - 120}" height="${PAGE_HEIGHT - 120}" fill="none" stroke="black" stroke-width="3"/>${lines}</svg>`;
  return sharp(Buffer.from(svg)).flatten({ background: "#ffffff" }).toColourspace("b-w");
}

async function bilevelPage(): Promise<Buffer> {
  return textPage().threshold(128).toColourspace("b-w").png().toBuffer();
}

/** A 1-bit fax TIFF of `pages` copies of the page. */
async function faxTiff(pages = 1): Promise<Buffer> {
  const page = await bilevelPage();
  const image = pages === 1 ? sharp(page) : sharp(Array(pages).fill(page), { join: { animated: true } });
  return image.extractChannel(0).toColourspace("b-w").tiff({ compression: "ccittfax4", bitdepth: 1 }).toBuffer();
}

/** An 8-bit greyscale scan: the page softened as a scanner's optics do, with paper grain, LZW-compressed. */
async function greyTiff(): Promise<Buffer> {
  const soft = await textPage().blur(0.8).raw().toBuffer({ resolveWithObject: true });
  let seed = 7;
  const grain = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 7) - 3;
  const pixels = Buffer.from(soft.data.map((value: number) => Math.max(0, Math.min(255, value + grain()))));
  return sharp(pixels, { raw: { width: soft.info.width, height: soft.info.height, channels: 1 } })
    .toColourspace("b-w")
    .tiff({ compression: "lzw" })
    .toBuffer();
}

/** Grey levels of an image, one byte a pixel. */
async function greyPixels(image: Buffer): Promise<Buffer> {
  return sharp(image).toColourspace("b-w").extractChannel(0).raw().toBuffer();
}

describe("scanned TIFFs never come out larger than a web format can hold them", () => {
  it("a bilevel (1-bit CCITT fax) page becomes a smaller two-colour PNG, pixel for pixel", async () => {
    const input = await faxTiff();
    expect(await sharp(input).metadata()).toMatchObject({ format: "tiff", bitsPerSample: 1, space: "b-w" });
    const output = await compressImage(input, { quality: 50 });
    expect(output).toMatchObject({ format: "png", width: PAGE_WIDTH, height: PAGE_HEIGHT, optimized: true });
    expect(output.bytesOut).toBeLessThan(input.length);
    expect(await sharp(output.data).metadata()).toMatchObject({
      width: PAGE_WIDTH,
      height: PAGE_HEIGHT,
      bitsPerSample: 1,
    });
    expect((await greyPixels(output.data)).equals(await greyPixels(input))).toBe(true);
  });

  it("a multi-page fax becomes its first page, smaller than the file", async () => {
    const input = await faxTiff(3);
    expect((await sharp(input).metadata()).pages).toBe(3);
    const output = await compressImage(input, { quality: 50 });
    expect(output).toMatchObject({ format: "png", width: PAGE_WIDTH, height: PAGE_HEIGHT, frames: 1 });
    expect(output.bytesOut).toBeLessThan(input.length);
    expect((await greyPixels(output.data)).equals(await greyPixels(await faxTiff()))).toBe(true);
  });

  it("a greyscale scan comes out smaller, grey and the same size", async () => {
    const input = await greyTiff();
    expect(await sharp(input).metadata()).toMatchObject({ format: "tiff", space: "b-w", channels: 1 });
    const output = await compressImage(input, { quality: 50 });
    expect(output).toMatchObject({ width: PAGE_WIDTH, height: PAGE_HEIGHT, optimized: true });
    expect(["jpeg", "png"]).toContain(output.format);
    expect(output.bytesOut).toBeLessThan(input.length);
    const metadata = await sharp(output.data).metadata();
    expect(metadata).toMatchObject({ width: PAGE_WIDTH, height: PAGE_HEIGHT });
    expect(metadata.space === "b-w" || metadata.isPalette).toBe(true);
  });

  it("asked for a format, a scan is written in it", async () => {
    const output = await compressImage(await faxTiff(), { quality: 50, format: "jpeg" });
    expect(output).toMatchObject({ format: "jpeg", width: PAGE_WIDTH, height: PAGE_HEIGHT });
  });
});
