import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { permanentFailureOf } from "@/test/image-failure";
import { type CompressedImage, type CompressOptions, compressImage } from "./compress-image";
import { originalAsPreview } from "./thumbnail";
import {
  ANIMATION_DELAYS,
  ANIMATION_FRAMES,
  ANIMATION_LOOP,
  CMYK_PATCH_WIDTH,
  EXIF_MARKER_SIZE,
  type ImageFixtureName,
  cmykPatches,
  displayP3Colour,
  imageFixtures,
  logoGradient,
  metadataFixtures,
  metadataKindsIn,
  plantedMetadataIn,
  transparentSquare,
} from "@/test/image-fixtures";

const QUALITY = 50;

async function compressFixture(name: ImageFixtureName, options: Partial<CompressOptions> = {}) {
  const input = await imageFixtures[name]();
  const output = await compressImage(input, { quality: QUALITY, ...options });
  return { input, output };
}

/** The output's channel values at (x, y), decoded by sharp; RGBA when the image has alpha. */
async function pixelAt(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + info.channels)];
}

function expectColourNear(actual: number[], expected: number[], tolerance: number) {
  const distances = expected.map((value, channel) => Math.abs(actual[channel] - value));
  expect(
    Math.max(...distances),
    `expected ${actual.join(",")} within ${tolerance} of ${expected.join(",")}`,
  ).toBeLessThanOrEqual(tolerance);
}

/** Mean difference in levels between two images along `logoGradient`'s rows, both blurred and on white. */
async function meanGradientError(original: Buffer, compressed: Buffer): Promise<number> {
  const blurred = (image: Buffer) =>
    sharp(image).flatten({ background: "#ffffff" }).blur(4).raw().toBuffer({ resolveWithObject: true });
  const [a, b] = await Promise.all([blurred(original), blurred(compressed)]);
  let sum = 0;
  let count = 0;
  for (const y of logoGradient.rows) {
    for (let x = logoGradient.left; x < logoGradient.right; x++) {
      for (let channel = 0; channel < 3; channel++) {
        const at = (y * a.info.width + x) * a.info.channels + channel;
        sum += Math.abs(a.data[at] - b.data[at]);
        count++;
      }
    }
  }
  return sum / count;
}

/** What every successful compression promises, whatever the format. */
async function expectSoundOutput(input: Buffer, output: CompressedImage) {
  expect(output.bytesIn).toBe(input.length);
  expect(output.bytesOut).toBe(output.data.length);
  expect(output.bytesOut).toBeLessThanOrEqual(output.bytesIn);
  const metadata = await sharp(output.data, { animated: true }).metadata();
  expect(metadata.format).toBe(output.format === "avif" ? "heif" : output.format);
  expect(metadata.width).toBe(output.width);
  expect(metadata.pageHeight ?? metadata.height).toBe(output.height);
  expect(metadata.pages ?? 1).toBe(output.frames);
  if (output.optimized) {
    expect(output.bytesOut).toBeLessThan(output.bytesIn);
    // Metadata is dropped: no EXIF (orientation is in the pixels now), no ICC profile (pixels are sRGB).
    expect(metadata.exif).toBeUndefined();
    expect(metadata.orientation).toBeUndefined();
    expect(metadata.hasProfile).toBe(false);
  }
  return metadata;
}

describe("compressImage: formats kept", () => {
  it.each([
    ["baselineJpeg", "jpeg", "image/jpeg", "jpg"],
    ["progressiveJpeg", "jpeg", "image/jpeg", "jpg"],
    ["opaquePng", "png", "image/png", "png"],
    ["palettePng", "png", "image/png", "png"],
    ["lossyWebp", "webp", "image/webp", "webp"],
    ["losslessWebp", "webp", "image/webp", "webp"],
    ["avifImage", "avif", "image/avif", "avif"],
    ["stillGif", "gif", "image/gif", "gif"],
  ] as const)("re-encodes %s as %s, smaller", async (fixture, format, contentType, extension) => {
    const { input, output } = await compressFixture(fixture);
    expect(output).toMatchObject({
      format,
      contentType,
      extension,
      width: 400,
      height: 300,
      frames: 1,
      optimized: true,
    });
    await expectSoundOutput(input, output);
  });

  it("keeps a progressive JPEG progressive", async () => {
    const { output } = await compressFixture("progressiveJpeg");
    expect((await sharp(output.data).metadata()).isProgressive).toBe(true);
  });

  it("keeps a grey JPEG grey, in one channel", async () => {
    const { input, output } = await compressFixture("grayscaleJpeg");
    expect(output).toMatchObject({ format: "jpeg", width: 400, height: 300, optimized: true });
    const metadata = await expectSoundOutput(input, output);
    expect(metadata.channels).toBe(1);
    expect(metadata.space).toBe("b-w");
  });

  it("turns a 16-bit PNG into an 8-bit palette PNG", async () => {
    const { input, output } = await compressFixture("sixteenBitPng");
    expect((await sharp(input).metadata()).bitsPerSample).toBe(16);
    expect(output).toMatchObject({ format: "png", optimized: true });
    const metadata = await expectSoundOutput(input, output);
    expect(metadata.isPalette).toBe(true);
    expect(metadata.bitsPerSample).toBe(8);
    expect(output.bytesOut).toBeLessThan(input.length / 4);
  });

  it("quantises a truecolour PNG to a palette", async () => {
    const { input, output } = await compressFixture("opaquePng");
    expect((await sharp(output.data).metadata()).isPalette).toBe(true);
    expect(output.bytesOut).toBeLessThan(input.length / 4);
  });

  it("shrinks a flat logo with a gradient, and the gradient does not band", async () => {
    const { input, output } = await compressFixture("logoPng");
    expect(output).toMatchObject({ format: "png", optimized: true });
    await expectSoundOutput(input, output);
    // Full dithering's noise made this logo larger than it was (it was kept as it came).
    expect(output.bytesOut).toBeLessThan(input.length * 0.8);
    // Seen from a little way off (blurred), the gradient matches the original: bands would be steps.
    // Mean error over its rows: 0.7 levels at full dithering, 0.8 at half, 1.4 at a quarter, 1.6 without.
    expect(await meanGradientError(input, output.data)).toBeLessThan(1);
  });
});

describe("compressImage: orientation and colour", () => {
  it("applies EXIF orientation 6 to the pixels: stored 400×300, delivered 300×400", async () => {
    const { input, output } = await compressFixture("exifRotatedJpeg");
    expect(await sharp(input).metadata()).toMatchObject({ width: 400, height: 300, orientation: 6 });
    expect(output).toMatchObject({ format: "jpeg", width: 300, height: 400, optimized: true });
    await expectSoundOutput(input, output);
    // The marker stored top-left shows top-right once rotated 90° clockwise.
    const inMarker = EXIF_MARKER_SIZE / 2;
    expectColourNear(await pixelAt(output.data, 300 - inMarker, inMarker), [220, 20, 20], 40);
    expect((await pixelAt(output.data, inMarker, inMarker))[1]).toBeGreaterThan(100);
  });

  it("converts a CMYK JPEG to sRGB with the right colours", async () => {
    const { input, output } = await compressFixture("cmykJpeg");
    expect((await sharp(input).metadata()).space).toBe("cmyk");
    expect(output).toMatchObject({ format: "jpeg", optimized: true });
    const metadata = await expectSoundOutput(input, output);
    expect(metadata.space).toBe("srgb");
    expect(metadata.channels).toBe(3);
    for (const [index, patch] of cmykPatches.entries()) {
      const pixel = await pixelAt(output.data, index * CMYK_PATCH_WIDTH + CMYK_PATCH_WIDTH / 2, 50);
      expectColourNear(pixel, patch.srgb, 32);
    }
  });

  it("converts an embedded Display P3 profile to sRGB values", async () => {
    const { input, output } = await compressFixture("displayP3Jpeg");
    const stored = [...(await sharp(input, { ignoreIcc: true }).raw().toBuffer()).subarray(0, 3)];
    // Without conversion the red would be ~15 levels off, so the check below means something.
    expect(Math.abs(stored[0] - displayP3Colour[0])).toBeGreaterThan(10);
    expect(output.optimized).toBe(true);
    expect((await sharp(output.data).metadata()).hasProfile).toBe(false);
    expectColourNear(await pixelAt(output.data, 32, 24), displayP3Colour, 5);
  });
});

describe("compressImage: transparency", () => {
  const { left, top, size, colour } = transparentSquare;
  const centre = [left + size / 2, top + size / 2] as const;

  it.each([
    ["transparentPng", "png"],
    ["transparentWebp", "webp"],
    ["tiffWithAlpha", "png"],
  ] as const)("keeps the transparent background of %s transparent (never black)", async (fixture, format) => {
    const { input, output } = await compressFixture(fixture);
    expect(output).toMatchObject({ format, width: 400, height: 300, optimized: true });
    const metadata = await expectSoundOutput(input, output);
    expect(metadata.hasAlpha).toBe(true);
    expect((await pixelAt(output.data, 0, 0))[3]).toBe(0);
    expect((await pixelAt(output.data, 399, 299))[3]).toBe(0);
    const inside = await pixelAt(output.data, ...centre);
    expect(inside[3]).toBe(255);
    expectColourNear(inside.slice(0, 3), colour, 16);
  });
});

describe("compressImage: animations", () => {
  it.each(["animatedGif", "animatedWebp"] as const)(
    "keeps every frame, delay and the loop count of %s",
    async (fixture) => {
      const { input, output } = await compressFixture(fixture);
      expect(output).toMatchObject({ width: 200, height: 150, frames: ANIMATION_FRAMES, optimized: true });
      const metadata = await expectSoundOutput(input, output);
      expect(metadata.pages).toBe(ANIMATION_FRAMES);
      expect(metadata.delay).toEqual(ANIMATION_DELAYS);
      expect(metadata.loop).toBe(ANIMATION_LOOP);
    },
  );

  it("counts the pixels of every frame against the limit", async () => {
    const all = 200 * 150 * ANIMATION_FRAMES;
    const { output } = await compressFixture("animatedGif", { maxPixels: all });
    expect(output.frames).toBe(ANIMATION_FRAMES);
    const failure = await permanentFailureOf(compressFixture("animatedGif", { maxPixels: all - 1 }));
    expect(failure.message).toBe("the animation has 4 frames of 200×150 pixels (0.12 MP in all); the limit is 0.12 MP");
  });

  it("refuses an animation with more frames than allowed", async () => {
    const failure = await permanentFailureOf(compressFixture("animatedWebp", { maxFrames: 3 }));
    expect(failure.message).toBe("the image has 4 frames; the limit is 3");
  });
});

describe("compressImage: other formats become JPEG or PNG", () => {
  it("turns an opaque TIFF into a JPEG", async () => {
    const { input, output } = await compressFixture("tiffImage");
    expect(output).toMatchObject({ format: "jpeg", contentType: "image/jpeg", extension: "jpg", optimized: true });
    await expectSoundOutput(input, output);
  });

  it("turns a TIFF with alpha into a PNG", async () => {
    const { output } = await compressFixture("tiffWithAlpha");
    expect(output).toMatchObject({ format: "png", contentType: "image/png", extension: "png" });
  });
});

describe("compressImage: nothing to gain", () => {
  it.each(["alreadyOptimalPng", "lowQualityJpeg"] as const)(
    "returns %s as it was, marked not optimized",
    async (fixture) => {
      const { input, output } = await compressFixture(fixture);
      expect(output.optimized).toBe(false);
      expect(output.data.equals(input)).toBe(true);
      expect(output.bytesOut).toBe(input.length);
      expect(output.format).toBe(fixture === "alreadyOptimalPng" ? "png" : "jpeg");
      await expectSoundOutput(input, output);
    },
  );
});

describe("compressImage: the original kept, without its metadata", () => {
  /** Every frame's pixels as sharp decodes them, colour-managed: a lost profile shows. */
  const pixels = (image: Buffer) => sharp(image, { animated: true }).raw().toBuffer();

  it.each(["jpeg", "png", "webp", "gif"] as const)(
    "%s that re-encoding would make larger: served without GPS, serials, XMP, IPTC or comments, pixels untouched",
    async (format) => {
      const input = await metadataFixtures[format]();
      const output = await compressImage(input, { quality: 100 });
      expect(output).toMatchObject({ format, optimized: false });
      expect(plantedMetadataIn(output.data)).toEqual([]);
      expect(output.bytesOut).toBe(output.data.length);
      expect(output.bytesOut).toBeLessThan(input.length);
      expect(await metadataKindsIn(output.data)).toEqual([]);
      const [before, after] = await Promise.all([sharp(input).metadata(), sharp(output.data).metadata()]);
      expect(after.hasProfile).toBe(format !== "gif");
      expect(after.icc).toEqual(before.icc);
      expect((await pixels(output.data)).equals(await pixels(input))).toBe(true);
      await expectSoundOutput(input, output);
    },
  );

  it("an AVIF with metadata is re-encoded rather than kept, even though that is larger", async () => {
    const input = await metadataFixtures.avif();
    const output = await compressImage(input, { quality: 100 });
    expect(output).toMatchObject({ format: "avif", optimized: true });
    expect(output.bytesOut).toBeGreaterThan(input.length);
    expect(plantedMetadataIn(output.data)).toEqual([]);
    expect(await metadataKindsIn(output.data)).toEqual([]);
  });

  it("an AVIF without metadata is kept as it was", async () => {
    const input = await imageFixtures.avifImage();
    const output = await compressImage(input, { quality: 100 });
    expect(output.optimized).toBe(false);
    expect(output.data.equals(input)).toBe(true);
  });

  it("a photo turned by its EXIF orientation is re-encoded upright rather than kept, even though that is larger", async () => {
    const input = await imageFixtures.exifRotatedJpeg();
    const output = await compressImage(input, { quality: 100 });
    expect(output).toMatchObject({ format: "jpeg", width: 300, height: 400, optimized: true });
    expect(output.bytesOut).toBeGreaterThan(input.length);
    const metadata = await sharp(output.data).metadata();
    expect(metadata).toMatchObject({ width: 300, height: 400 });
    expect(metadata.orientation).toBeUndefined();
    expect(await metadataKindsIn(output.data)).toEqual([]);
    // The marker stored top-left shows top-right, as in the photo people see.
    const inMarker = EXIF_MARKER_SIZE / 2;
    expectColourNear(await pixelAt(output.data, 300 - inMarker, inMarker), [220, 20, 20], 40);
  });
});

describe("compressImage: quality", () => {
  it.each(["baselineJpeg", "opaquePng", "lossyWebp", "avifImage", "animatedGif"] as const)(
    "%s: quality 20 gives a smaller file than quality 80",
    async (fixture) => {
      const input = await imageFixtures[fixture]();
      const low = await compressImage(input, { quality: 20 });
      const high = await compressImage(input, { quality: 80 });
      expect(low.bytesOut).toBeLessThan(high.bytesOut);
    },
  );

  it("rejects a quality outside 1–100", async () => {
    const input = await imageFixtures.baselineJpeg();
    await expect(compressImage(input, { quality: 0 })).rejects.toThrow(RangeError);
    await expect(compressImage(input, { quality: 101 })).rejects.toThrow(RangeError);
  });
});

describe("compressImage: refusals", () => {
  it("refuses a 50000×50000 PNG from its header, without decoding it", async () => {
    const input = await imageFixtures.hugeDimensionsPng();
    expect(input.length).toBeLessThan(4096);
    const started = performance.now();
    const failure = await permanentFailureOf(compressImage(input, { quality: QUALITY, maxPixels: 50_000_000 }));
    expect(performance.now() - started).toBeLessThan(250);
    expect(failure.message).toBe("the image is 50000×50000 pixels (2500 MP); the limit is 50 MP");
  });

  it("applies the pixel limit it is given", async () => {
    const failure = await permanentFailureOf(compressFixture("baselineJpeg", { maxPixels: 100_000 }));
    expect(failure.message).toBe("the image is 400×300 pixels (0.12 MP); the limit is 0.1 MP");
  });

  it("fails a truncated JPEG with a clear reason instead of returning a half-grey picture", async () => {
    const failure = await permanentFailureOf(compressFixture("truncatedJpeg"));
    expect(failure.message).toBe(
      "the JPEG file is truncated: it ends before the image does (it was cut short when it was saved or uploaded)",
    );
  });

  it("fails files that start like an image but are garbage", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 0x41)]);
    expect((await permanentFailureOf(compressImage(png, { quality: QUALITY }))).message).toBe(
      "the PNG file is damaged: its header is missing or corrupt",
    );
    const gif = Buffer.from(`GIF89a${"x".repeat(50)}`);
    expect((await permanentFailureOf(compressImage(gif, { quality: QUALITY }))).message).toBe(
      "the GIF file is damaged: its image data is not GIF data",
    );
  });

  it("accepts JPEGs with harmless flaws, as browsers do", async () => {
    const { input, output } = await compressFixture("jpegWithStrayBytes");
    // sharp's default strictness would refuse it; the pipeline's must not.
    await expect(sharp(input, { failOn: "warning" }).toBuffer()).rejects.toThrow(/extraneous bytes/);
    expect(output).toMatchObject({ format: "jpeg", width: 400, height: 300, optimized: true });
    await expectSoundOutput(input, output);
    const trailing = Buffer.concat([await imageFixtures.baselineJpeg(), Buffer.from("trailing garbage")]);
    expect((await compressImage(trailing, { quality: QUALITY })).optimized).toBe(true);
  });

  it.each([
    ["htmlPage", "the URL returned a web page (HTML), not an image"],
    ["svgWithScript", "SVG images are not supported"],
    ["emptyFile", "the file is empty (0 bytes)"],
  ] as const)("refuses %s: %s", async (fixture, message) => {
    const failure = await permanentFailureOf(compressFixture(fixture));
    expect(failure.message).toBe(message);
  });
});

describe("compressImage: previews", () => {
  it("makes the list's thumbnails and the compare's original only when asked, at the size asked", async () => {
    const photo = await imageFixtures.baselineJpeg();
    const none = await compressImage(photo, { quality: 60 });
    expect(none).toMatchObject({ thumbnail: null, outputThumbnail: null, originalPreview: null });

    const all = await compressImage(photo, { quality: 60, previews: { list: true } });
    expect((await sharp(all.thumbnail!).metadata()).format).toBe("webp");
    expect((await sharp(all.outputThumbnail!).metadata()).format).toBe("webp");

    // A JPEG the browser shows as it is, at the output's size: the compare's before is the upload's
    // very pixels, without its metadata.
    const tagged = await sharp(photo)
      .withExif({ IFD0: { Artist: "Shop photographer" } })
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>')
      .jpeg({ quality: 90 })
      .toBuffer();
    const before = (await compressImage(tagged, { quality: 60, previews: { list: false } })).originalPreview!;
    expect(before.contentType).toBe("image/jpeg");
    const [beforeInfo, taggedInfo] = await Promise.all([sharp(before.data).metadata(), sharp(tagged).metadata()]);
    expect([beforeInfo.exif, beforeInfo.xmp, taggedInfo.exif === undefined]).toEqual([undefined, undefined, false]);
    const pixels = (image: Buffer) => sharp(image).raw().toBuffer();
    expect((await pixels(before.data)).equals(await pixels(tagged))).toBe(true);

    // A trial shows no list: its thumbnails are not made.
    const compareOnly = await compressImage(photo, { quality: 60, previews: { list: false, compareSide: 100 } });
    expect(compareOnly).toMatchObject({ thumbnail: null, outputThumbnail: null });
    // Larger than the compare's side: a copy at that size.
    const copy = await sharp(compareOnly.originalPreview!.data).metadata();
    expect([Math.max(copy.width!, copy.height!), copy.format]).toEqual([100, "jpeg"]);
  });

  it("keeps a progressive JPEG as its own before, never an arithmetic-coded one", async () => {
    const progressive = await sharp(await imageFixtures.baselineJpeg())
      .jpeg({ quality: 90, progressive: true })
      .toBuffer();
    const header = await sharp(progressive).metadata();
    const asBefore = (jpeg: Buffer) =>
      originalAsPreview(jpeg, {
        format: "jpeg",
        header,
        animated: false,
        width: header.width!,
        height: header.height!,
        maxSide: 2048,
      });
    expect(asBefore(progressive)?.contentType).toBe("image/jpeg");
    // The same file marked as arithmetic-coded (SOF10): not every browser shows one.
    const arithmetic = Buffer.from(progressive);
    arithmetic[progressive.indexOf(Buffer.from([0xff, 0xc2])) + 1] = 0xca;
    expect(asBefore(arithmetic)).toBeNull();
  });

  it("makes a copy for the compare's before when the original would not line up or show as it is", async () => {
    const copyOf = async (input: Buffer, options: Partial<CompressOptions> = {}) => {
      const output = await compressImage(input, { quality: 60, previews: { list: false }, ...options });
      const preview = output.originalPreview!;
      expect(preview.data.equals(input)).toBe(false);
      const { width, height, orientation } = await sharp(preview.data).metadata();
      return { width, height, orientation, output: [output.width, output.height] };
    };
    // Scaled down: the before is at the output's size.
    const photo = await imageFixtures.baselineJpeg();
    const scaled = await copyOf(photo, { maxWidth: 200 });
    expect([scaled.width, scaled.height]).toEqual(scaled.output);
    // Turned by its EXIF orientation: stripped, it would show on its side.
    const turned = await copyOf(await imageFixtures.exifRotatedJpeg());
    expect([turned.width, turned.height, turned.orientation ?? 1]).toEqual([...turned.output, 1]);
    // Heavier than a high-quality JPEG of its size (noise at quality 100): a lighter copy.
    const noise = Buffer.from(Array.from({ length: 300 * 200 * 3 }, (_, index) => (index * 7919) % 251));
    const heavy = await sharp(noise, { raw: { width: 300, height: 200, channels: 3 } })
      .jpeg({ quality: 100 })
      .toBuffer();
    expect(heavy.length).toBeGreaterThan(300 * 200);
    const light = await copyOf(heavy);
    expect([light.width, light.height]).toEqual([300, 200]);
    // CMYK: browsers disagree on its colours.
    const cmyk = await copyOf(await imageFixtures.cmykJpeg());
    expect([cmyk.width, cmyk.height]).toEqual(cmyk.output);
  });
});
