import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { permanentFailureOf } from "@/test/image-failure";
import { compressImage } from "./compress-image";
import { readPrimaryImage } from "./heic";

/**
 * iPhone photos (HEIC), decoded by libheif in WebAssembly on the image thread. The fixture is a test
 * card stored turned, with an `irot` box and EXIF orientation 6 saying so (see test/fixtures/README.md).
 */

const turnedPhoto = () => readFileSync(path.join(import.meta.dirname, "../../test/fixtures/turned-photo.heic"));

/** The EXIF orientation written in a file's TIFF-structured EXIF block (little-endian, as heif-enc writes it). */
function exifOrientation(file: Buffer): number | null {
  const tiff = file.indexOf(Buffer.from("II*\0", "latin1"));
  if (tiff < 0) return null;
  const directory = tiff + file.readUInt32LE(tiff + 4);
  for (let entry = 0; entry < file.readUInt16LE(directory); entry++) {
    const at = directory + 2 + 12 * entry;
    if (file.readUInt16LE(at) === 0x0112) return file.readUInt16LE(at + 8);
  }
  return null;
}

/** RGB at (x, y) of a decoded image. */
async function rgbAt(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + 3)];
}

const near = (actual: number[], expected: number[]) =>
  expect(Math.max(...actual.map((value, channel) => Math.abs(value - expected[channel])))).toBeLessThanOrEqual(12);

const RED = [224, 31, 32];
const BLUE = [32, 80, 208];

/** The fixture with its primary image's stored size (`ispe`) rewritten: a bomb's header over a small file. */
function withStoredSize(file: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(file);
  const ispe = copy.indexOf(Buffer.from("ispe", "latin1"));
  copy.writeUInt32BE(width, ispe + 8);
  copy.writeUInt32BE(height, ispe + 12);
  return copy;
}

describe("HEIC photos", () => {
  it("the fixture is an iPhone-style turned photo: stored 80×120, a quarter turn in irot and EXIF orientation 6", () => {
    const input = turnedPhoto();
    expect(readPrimaryImage(input)).toMatchObject({ width: 80, height: 120, quarterTurns: 3 });
    expect(exifOrientation(input)).toBe(6);
  });

  it("comes out as an upright JPEG, turned once (not twice by its EXIF too)", async () => {
    const input = turnedPhoto();
    const output = await compressImage(input, { quality: 50, previews: { list: true } });
    expect(output).toMatchObject({
      format: "jpeg",
      contentType: "image/jpeg",
      extension: "jpg",
      width: 120,
      height: 80,
    });
    const metadata = await sharp(output.data).metadata();
    expect(metadata).toMatchObject({ format: "jpeg", width: 120, height: 80 });
    expect(metadata.orientation).toBeUndefined();
    expect(metadata.exif).toBeUndefined();
    // Red band on top, blue below, across the whole width.
    near(await rgbAt(output.data, 5, 5), RED);
    near(await rgbAt(output.data, 114, 5), RED);
    near(await rgbAt(output.data, 5, 70), BLUE);
    near(await rgbAt(output.data, 114, 70), BLUE);
    expect(await sharp(output.thumbnail!).metadata()).toMatchObject({ format: "webp", width: 120, height: 80 });
  });

  it("comes out in the format asked for, scaled like any image", async () => {
    const output = await compressImage(turnedPhoto(), { quality: 50, format: "webp", maxWidth: 60 });
    expect(output).toMatchObject({ format: "webp", width: 60, height: 40 });
    near(await rgbAt(output.data, 30, 2), RED);
    near(await rgbAt(output.data, 30, 35), BLUE);
  });

  it("is refused over the pixel limit from its boxes, before decoding", async () => {
    const small = await permanentFailureOf(compressImage(turnedPhoto(), { quality: 50, maxPixels: 5_000 }));
    expect(small.message).toBe("the image is 120×80 pixels (0.0096 MP); the limit is 0.005 MP");
    // A 1 KB file claiming 50000×50000: refused on its header at once. Had it been decoded, libheif
    // would have found pixels that do not match and failed otherwise.
    const bomb = withStoredSize(turnedPhoto(), 50_000, 50_000);
    const started = performance.now();
    const failure = await permanentFailureOf(compressImage(bomb, { quality: 50, maxPixels: 50_000_000 }));
    expect(performance.now() - started).toBeLessThan(250);
    expect(failure.message).toBe("the image is 50000×50000 pixels (2500 MP); the limit is 50 MP");
  });

  it("says what is wrong with a HEIC it cannot read", async () => {
    const input = turnedPhoto();
    expect((await permanentFailureOf(compressImage(input.subarray(0, 600), { quality: 50 }))).message).toBe(
      "the HEIC/HEIF file is truncated: it ends before the image does (it was cut short when it was saved or uploaded)",
    );
    const sequence = Buffer.from(input);
    sequence.write("msf1", 8, "latin1");
    expect((await permanentFailureOf(compressImage(sequence, { quality: 50 }))).message).toBe(
      "a HEIC/HEIF image sequence (an animation or burst) is not supported: save one photo of it as HEIC or JPEG",
    );
    const noSize = Buffer.from(input);
    noSize.write("xxxx", noSize.indexOf(Buffer.from("ispe", "latin1")), "latin1");
    expect((await permanentFailureOf(compressImage(noSize, { quality: 50 }))).message).toBe(
      "the HEIC/HEIF file is damaged: its image size cannot be found",
    );
  });
});

describe("HEIC photos and the memory budget", () => {
  it("refuses a HEIC whose decode would not fit the memory budget, before decoding", async () => {
    // 120×80 counted as RGBA is 38,400 bytes, six times over for the decode: 230,400 bytes.
    const failure = await permanentFailureOf(compressImage(turnedPhoto(), { quality: 50, memoryBudgetBytes: 200_000 }));
    expect(failure.message).toBe(
      "the HEIC/HEIF photo is 0.0096 MP; photos in this format are read up to 0.0083 MP here (decoding one takes more memory than other formats)",
    );
    await expect(compressImage(turnedPhoto(), { quality: 50, memoryBudgetBytes: 240_000 })).resolves.toMatchObject({
      format: "jpeg",
    });
  });
});
