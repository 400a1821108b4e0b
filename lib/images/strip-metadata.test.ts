import zlib from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { ImageFormat } from "./image-formats";
import { stripMetadata } from "./strip-metadata";
import {
  ANIMATION_DELAYS,
  ANIMATION_FRAMES,
  ANIMATION_LOOP,
  imageFixtures,
  jpegSegment,
  metadataFixtures,
  metadataKindsIn,
  plantedMetadata,
  plantedMetadataIn,
  pngChunk,
  withGifExtensions,
  withJpegSegments,
  withPngChunks,
} from "@/test/image-fixtures";

async function strip(image: Buffer, format: ImageFormat): Promise<Buffer | null> {
  return stripMetadata(image, format, await sharp(image).metadata());
}

/** Every frame's pixels as sharp decodes them, colour-managed: a lost profile or colour transform shows. */
function pixels(image: Buffer): Promise<Buffer> {
  return sharp(image, { animated: true }).raw().toBuffer();
}

async function expectSamePixels(stripped: Buffer, input: Buffer) {
  const [after, before] = await Promise.all([pixels(stripped), pixels(input)]);
  expect(after.equals(before), "the pixels changed").toBe(true);
}

const jpegComment = (text: string) => jpegSegment(0xfe, Buffer.from(text, "latin1"));

/** A JPEG's segments before its first scan, and the rest of the file from that scan on. */
function jpegParts(jpeg: Buffer): { segments: Buffer[]; scans: Buffer } {
  const segments = [];
  let at = 2;
  for (; jpeg[at + 1] !== 0xda; at += 2 + jpeg.readUInt16BE(at + 2)) {
    segments.push(jpeg.subarray(at, at + 2 + jpeg.readUInt16BE(at + 2)));
  }
  return { segments, scans: jpeg.subarray(at) };
}

/** Each segment before the first scan as its marker and the first bytes of its data: "e0 JFIF\0". */
function jpegHeaderSegments(jpeg: Buffer): string[] {
  return jpegParts(jpeg).segments.map((segment) => `${segment[1].toString(16)} ${segment.toString("latin1", 4, 9)}`);
}

function pngChunks(png: Buffer): { type: string; crcValid: boolean }[] {
  const chunks = [];
  for (let at = 8; at < png.length; at += 12 + png.readUInt32BE(at)) {
    const end = at + 8 + png.readUInt32BE(at);
    const crcValid = zlib.crc32(png.subarray(at + 4, end)) === png.readUInt32BE(end);
    chunks.push({ type: png.toString("latin1", at + 4, at + 8), crcValid });
  }
  return chunks;
}

function webpChunks(webp: Buffer): string[] {
  const chunks = [];
  for (let at = 12; at < webp.length; at += 8 + webp.readUInt32LE(at + 4) + (webp.readUInt32LE(at + 4) & 1)) {
    chunks.push(webp.toString("latin1", at, at + 4));
  }
  return chunks;
}

describe("stripMetadata", () => {
  it.each(["jpeg", "png", "webp", "gif"] as const)(
    "%s: drops every planted detail; the pixels and the colour profile stay",
    async (format) => {
      const input = await metadataFixtures[format]();
      expect(plantedMetadataIn(input).length).toBeGreaterThan(1);
      const stripped = await strip(input, format);
      expect(stripped).not.toBeNull();
      expect(plantedMetadataIn(stripped!)).toEqual([]);
      expect(stripped!.length).toBeLessThan(input.length);
      const [before, after] = await Promise.all([sharp(input).metadata(), sharp(stripped!).metadata()]);
      expect(await metadataKindsIn(stripped!)).toEqual([]);
      expect(after.icc).toEqual(before.icc);
      if (format !== "gif") expect(after.hasProfile).toBe(true);
      await expectSamePixels(stripped!, input);
    },
  );

  it("JPEG: keeps every chunk of an ICC profile split over several APP2 segments", async () => {
    const p3 = await imageFixtures.displayP3Jpeg();
    const profile = (await sharp(p3).metadata()).icc!;
    // Profiles over 64 KB are split so; a small one split in three is read the same way.
    const third = Math.ceil(profile.length / 3);
    const chunks = [0, 1, 2].map((index) =>
      jpegSegment(
        0xe2,
        Buffer.concat([
          Buffer.from("ICC_PROFILE\0", "latin1"),
          Buffer.from([index + 1, 3]),
          profile.subarray(index * third, (index + 1) * third),
        ]),
      ),
    );
    const { segments, scans } = jpegParts(p3);
    const input = Buffer.concat([
      p3.subarray(0, 2),
      ...segments.flatMap((segment) =>
        segment[1] === 0xe2 ? [chunks[0], jpegComment("Planted"), ...chunks.slice(1)] : [segment],
      ),
      scans,
    ]);
    expect((await sharp(input).metadata()).icc).toEqual(profile);

    const stripped = (await strip(input, "jpeg"))!;
    expect(jpegHeaderSegments(stripped).filter((segment) => segment === "e2 ICC_P")).toHaveLength(3);
    expect((await sharp(stripped).metadata()).icc).toEqual(profile);
    await expectSamePixels(stripped, input);
  });

  it("JPEG: keeps the Adobe segment that says how a CMYK JPEG's inks are stored", async () => {
    const input = withJpegSegments(await imageFixtures.cmykJpeg(), [jpegComment(plantedMetadata.comment)]);
    const stripped = (await strip(input, "jpeg"))!;
    expect(jpegHeaderSegments(stripped)).toContain("ee Adobe");
    expect(plantedMetadataIn(stripped)).toEqual([]);
    expect((await sharp(stripped).metadata()).space).toBe("cmyk");
    await expectSamePixels(stripped, input);
  });

  it("JPEG: walks every scan of a progressive JPEG and drops a comment between two of them", async () => {
    const jpeg = await imageFixtures.progressiveJpeg();
    const secondScan = jpeg.indexOf(Buffer.from([0xff, 0xda]), jpeg.indexOf(Buffer.from([0xff, 0xda])) + 2);
    const input = Buffer.concat([
      jpeg.subarray(0, secondScan),
      jpegComment(plantedMetadata.comment),
      jpeg.subarray(secondScan),
    ]);
    const stripped = (await strip(input, "jpeg"))!;
    expect(plantedMetadataIn(stripped)).toEqual([]);
    expect(stripped.equals(jpeg)).toBe(true);
  });

  it("JPEG: drops a JFIF thumbnail and whatever was appended after the image (motion-photo videos, depth maps)", async () => {
    const jpeg = await imageFixtures.baselineJpeg();
    const jfif = (thumbnail: number[]) =>
      jpegSegment(0xe0, Buffer.from([...Buffer.from("JFIF\0", "latin1"), 1, 1, 0, 0, 72, 0, 72, ...thumbnail]));
    // A 2×1 thumbnail: a picture of the original, perhaps before it was cropped.
    const thumbnail = [2, 1, ...Buffer.from("Planted", "latin1").subarray(0, 6)];
    const appended = Buffer.from(`....ftypmp42 ${plantedMetadata.gps}`, "latin1");
    const input = Buffer.concat([jpeg.subarray(0, 2), jfif(thumbnail), jpeg.subarray(2), appended]);
    expect((await sharp(input).metadata()).width).toBe(400);

    const stripped = (await strip(input, "jpeg"))!;
    expect(stripped.equals(Buffer.concat([jpeg.subarray(0, 2), jfif([0, 0]), jpeg.subarray(2)]))).toBe(true);
  });

  it("JPEG: leaves out stray bytes between segments, as decoders skip them", async () => {
    const input = await imageFixtures.jpegWithStrayBytes();
    const stripped = (await strip(input, "jpeg"))!;
    expect(stripped.equals(await imageFixtures.baselineJpeg())).toBe(true);
  });

  it("PNG: keeps the chunks that rendering needs with their CRCs; drops text, time, EXIF and private chunks", async () => {
    const input = withPngChunks(await metadataFixtures.png(), [
      pngChunk("gAMA", Buffer.from([0, 0, 0xb1, 0x8f])),
      pngChunk("prVw", Buffer.from(plantedMetadata.camera, "latin1")),
    ]);
    const stripped = (await strip(input, "png"))!;
    const chunks = pngChunks(stripped);
    expect(chunks.map((chunk) => chunk.type)).toEqual(["IHDR", "gAMA", "iCCP", "PLTE", "pHYs", "IDAT", "IEND"]);
    expect(chunks.every((chunk) => chunk.crcValid)).toBe(true);
    await expectSamePixels(stripped, input);
  });

  it("WebP: drops the EXIF and XMP chunks, clears their flags and fixes the RIFF size", async () => {
    const input = await metadataFixtures.webp();
    expect(webpChunks(input)).toEqual(["VP8X", "ICCP", "VP8 ", "EXIF", "XMP "]);
    const stripped = (await strip(input, "webp"))!;
    expect(webpChunks(stripped)).toEqual(["VP8X", "ICCP", "VP8 "]);
    expect(stripped.readUInt32LE(4)).toBe(stripped.length - 8);
    const flags = stripped[20];
    expect(flags & 0x08).toBe(0); // EXIF
    expect(flags & 0x04).toBe(0); // XMP
    expect(flags & 0x20).toBe(0x20); // ICC profile
  });

  it.each(["animatedWebp", "animatedGif"] as const)(
    "%s: every frame, delay and the loop count stay",
    async (fixture) => {
      const animation = await imageFixtures[fixture]();
      const input =
        fixture === "animatedGif"
          ? withGifExtensions(animation, gifComment(plantedMetadata.comment))
          : await sharp(animation, { animated: true })
              .webp({ lossless: true, delay: ANIMATION_DELAYS, loop: ANIMATION_LOOP })
              .withExif({ IFD0: { Copyright: plantedMetadata.copyright } })
              .toBuffer();
      expect(plantedMetadataIn(input)).not.toEqual([]);
      const format = fixture === "animatedGif" ? "gif" : "webp";
      const stripped = (await strip(input, format))!;
      expect(plantedMetadataIn(stripped)).toEqual([]);
      expect(await sharp(stripped, { animated: true }).metadata()).toMatchObject({
        pages: ANIMATION_FRAMES,
        delay: ANIMATION_DELAYS,
        loop: ANIMATION_LOOP,
      });
      expect(await metadataKindsIn(stripped)).toEqual([]);
      await expectSamePixels(stripped, input);
    },
  );

  it("AVIF: its metadata cannot be cut out safely, so there is no stripped copy; one without metadata is fine as it is", async () => {
    expect(await strip(await metadataFixtures.avif(), "avif")).toBeNull();
    const clean = await imageFixtures.avifImage();
    expect(await strip(clean, "avif")).toBe(clean);
  });

  it("gives no stripped copy of a file whose structure ends early", async () => {
    const cut = (image: Buffer) => image.subarray(0, image.length - 20);
    expect(await strip(cut(await metadataFixtures.jpeg()), "jpeg")).toBeNull();
    expect(await strip(cut(await metadataFixtures.png()), "png")).toBeNull();
    const webp = Buffer.from(cut(await metadataFixtures.webp()));
    webp.writeUInt32LE(webp.length - 8, 4);
    expect(stripMetadata(webp, "webp", {})).toBeNull();
    expect(stripMetadata(cut(await metadataFixtures.gif()), "gif", {})).toBeNull();
  });
});

function gifComment(text: string): Buffer {
  const data = Buffer.from(text, "latin1");
  return Buffer.concat([Buffer.from([0x21, 0xfe, data.length]), data, Buffer.from([0])]);
}
