import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { contentTypeForKey } from "@/lib/storage/content-types";
import { animatedGif, opaquePng, tiffImage } from "@/test/image-fixtures";
import { compressImage } from "./compress-image";
import { type ImageFormat, OUTPUT_CHOICES, type OutputChoice, imageFormatInfo, imageFormats } from "./image-formats";
import { sniffImage } from "./sniff-image";

/**
 * How an image in a format nobody asks for by name is made for the test: GIF is only written for GIFs
 * (`keep`); formats never written come from sharp, or from a fixture for HEIC (no HEVC encoder is on npm).
 */
const madeOtherwise: Partial<Record<ImageFormat, () => Promise<Buffer>>> = {
  gif: async () => (await compressImage(await animatedGif(), { quality: 50, format: "keep" })).data,
  tiff: tiffImage,
  heic: async () => readFileSync(path.join(import.meta.dirname, "../../test/fixtures/turned-photo.heic")),
};

async function encoded(format: ImageFormat): Promise<Buffer> {
  if (OUTPUT_CHOICES.includes(format as OutputChoice)) {
    const output = await compressImage(await opaquePng(), { quality: 50, format: format as OutputChoice });
    expect(output.format).toBe(format);
    expect(output.contentType).toBe(imageFormatInfo[format].contentType);
    expect(output.extension).toBe(imageFormatInfo[format].extension);
    return output.data;
  }
  const make = madeOtherwise[format];
  if (!make) throw new Error(`no way to make a ${format} image for this test: add one to madeOtherwise`);
  return make();
}

describe("the format table", () => {
  it.each([...imageFormats])(
    "every format in the table round-trips (encode, sniff, content type, extension): %s",
    async (format) => {
      const info = imageFormatInfo[format];
      const bytes = await encoded(format);
      expect(await sniffImage(bytes)).toEqual({ format });
      expect((await sharp(bytes).metadata()).format).toBe(info.sharpName);
      for (const extension of [info.extension, ...info.otherExtensions]) {
        expect(contentTypeForKey(`outputs/a/1.${extension}`)).toBe(info.contentType);
        expect(contentTypeForKey(`outputs/a/1.${extension.toUpperCase()}`)).toBe(info.contentType);
      }
      // A format that is read but never written still becomes a format that is.
      if (!info.encoder) {
        const output = await compressImage(bytes, { quality: 50 });
        expect(imageFormatInfo[output.format].encoder).not.toBeNull();
      }
    },
  );

  it("offers for output only formats that are written, and the CSV keeps its own type", () => {
    for (const choice of OUTPUT_CHOICES) {
      if (choice !== "keep" && choice !== "auto") expect(imageFormatInfo[choice].encoder).not.toBeNull();
    }
    expect(contentTypeForKey("outputs/a/products.csv")).toBe("text/csv; charset=utf-8");
    expect(contentTypeForKey("outputs/a/unknown.bin")).toBe("application/octet-stream");
  });
});
