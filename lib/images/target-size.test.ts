import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ImageFailure } from "@/lib/errors";
import { permanentFailureOf } from "@/test/image-failure";
import { animatedGif, logoPng, photoPixels } from "@/test/image-fixtures";
import { type CompressOptions, compressImage } from "./compress-image";

/**
 * `maxBytes`: each output is the highest quality, up to the one asked for, whose file fits; what
 * cannot fit even at quality 1 fails with a reason that says so.
 */

const QUALITY = 50;

/** A 1200×900 photo-like JPEG, as a shop exports it. */
function photoJpeg(): Promise<Buffer> {
  return sharp(photoPixels(1200, 900, 3), { raw: { width: 1200, height: 900, channels: 3 } })
    .jpeg({ quality: 92, mozjpeg: false })
    .toBuffer();
}

async function sizeAt(input: Buffer, options: Partial<CompressOptions> = {}) {
  return (await compressImage(input, { quality: QUALITY, ...options })).bytesOut;
}

describe("maxBytes: a target size for every output", () => {
  it("a photo comes out at most the target, at the highest quality that fits", async () => {
    const input = await photoJpeg();
    const atQuality = await sizeAt(input);
    const target = Math.floor(atQuality * 0.6);
    const output = await compressImage(input, { quality: QUALITY, maxBytes: target });
    expect(output.format).toBe("jpeg");
    expect(output.bytesOut).toBeLessThanOrEqual(target);
    expect(output.quality).toBeLessThan(QUALITY);
    // JPEG's size grows with quality: one step higher would not have fitted.
    expect(await sizeAt(input, { quality: output.quality + 1 })).toBeGreaterThan(target);
    expect(await sharp(output.data).metadata()).toMatchObject({ width: 1200, height: 900 });
  });

  it("a target the quality asked for already meets changes nothing", async () => {
    const input = await photoJpeg();
    const plain = await compressImage(input, { quality: QUALITY });
    const output = await compressImage(input, { quality: QUALITY, maxBytes: plain.bytesOut + 1 });
    expect(output).toMatchObject({ quality: QUALITY, bytesOut: plain.bytesOut });
  });

  it("combines with format and sizes", async () => {
    const input = await photoJpeg();
    const options = { format: "webp", maxWidth: 600 } as const;
    const target = Math.floor((await sizeAt(input, options)) * 0.7);
    const output = await compressImage(input, { quality: QUALITY, ...options, maxBytes: target });
    expect(output).toMatchObject({ format: "webp", width: 600, height: 450 });
    expect(output.bytesOut).toBeLessThanOrEqual(target);
  });

  it("a PNG logo comes out at most the target, still a PNG with its transparency, or fails saying so", async () => {
    const input = await logoPng();
    const hasAlpha = (await sharp(input).metadata()).hasAlpha;
    // A logo's palette leaves little to quality (10.7 KB at 50, 10.4 KB at 10, 12.7 KB at 1 as
    // dithering's noise grows): a generous target is met, a target under every quality's size fails.
    for (const target of [15_000, 11_000, 10_500, 10_000]) {
      const outcome = await compressImage(input, { quality: QUALITY, maxBytes: target }).catch(
        (error: unknown) => error,
      );
      if (outcome instanceof ImageFailure) {
        expect(outcome.message).toMatch(/^the image cannot be made .* or smaller: .* as PNG\); allow a larger size/);
        continue;
      }
      const output = outcome as Awaited<ReturnType<typeof compressImage>>;
      expect(output.format).toBe("png");
      expect(output.bytesOut).toBeLessThanOrEqual(target);
      expect((await sharp(output.data).metadata()).hasAlpha).toBe(hasAlpha);
    }
    expect((await compressImage(input, { quality: QUALITY, maxBytes: 15_000 })).bytesOut).toBeLessThanOrEqual(15_000);
  });

  it("an animation comes out at most the target with every frame", async () => {
    const input = await animatedGif();
    const plain = await compressImage(input, { quality: QUALITY, format: "webp" });
    const target = Math.floor(plain.bytesOut * 0.7);
    const output = await compressImage(input, { quality: QUALITY, format: "webp", maxBytes: target });
    expect(output).toMatchObject({ format: "webp", frames: plain.frames });
    expect(output.bytesOut).toBeLessThanOrEqual(target);
    expect((await sharp(output.data, { animated: true }).metadata()).pages).toBe(plain.frames);
  });

  it("an image that cannot fit even at the lowest quality fails with a reason that says so", async () => {
    const logo = await permanentFailureOf(compressImage(await logoPng(), { quality: QUALITY, maxBytes: 8_000 }));
    expect(logo.message).toMatch(/^the image cannot be made 7\.8 KB or smaller: .* as PNG\); allow a larger size/);
    const failure = await permanentFailureOf(compressImage(await photoJpeg(), { quality: QUALITY, maxBytes: 2_000 }));
    expect(failure.message).toMatch(
      /^the image cannot be made 2(\.0)? KB or smaller: even at the lowest quality it does not fit \(the smallest it came to is [\d.]+ KB as JPEG\); allow a larger size, or a smaller maximum width and height$/,
    );
    const animation = await permanentFailureOf(compressImage(await animatedGif(), { quality: QUALITY, maxBytes: 300 }));
    expect(animation.message).toMatch(/^the image cannot be made .* or smaller: even at the lowest quality/);
  });
});
