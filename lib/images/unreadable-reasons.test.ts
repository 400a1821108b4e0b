import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ImageFailure } from "@/lib/errors";
import { baselineJpeg, opaquePng, pngChunk, stillGif, lossyWebp, tiffImage, avifImage } from "@/test/image-fixtures";
import { compressImage } from "./compress-image";

/**
 * Every way a seller's file can fail to be read gives a reason that names what is wrong with that file,
 * never a decoder's own words. The damaged files are made here from sound ones.
 */

/** What decoders say that a seller cannot act on. */
const libraryWords =
  /vips|libpng|heif:|target|_buffer|(jpeg|png|gif|webp|heif|tiff)load|\(\d+\.\d+\)|bad seek|invalid input|unknown error/i;

async function reasonFor(input: Buffer): Promise<string> {
  const error = await compressImage(input, { quality: 50 }).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageFailure);
  expect((error as ImageFailure).retryable).toBe(false);
  const { message } = error as ImageFailure;
  expect(message).not.toMatch(libraryWords);
  return message;
}

const cut = (bytes: Buffer, fraction = 0.5) => Buffer.from(bytes.subarray(0, Math.floor(bytes.length * fraction)));

/** The offset of a PNG chunk's length field, by its type. */
const chunkAt = (png: Buffer, type: string) => png.indexOf(Buffer.from(type, "latin1")) - 4;

const truncated = (label: string) =>
  `the ${label} file is truncated: it ends before the image does (it was cut short when it was saved or uploaded)`;

/** An AVIF's boxes rewritten: its major brand, and a box type renamed in place (same size, so offsets hold). */
function rewriteAvif(avif: Buffer, { brand, rename }: { brand?: string; rename?: [string, string] }): Buffer {
  const copy = Buffer.from(avif);
  if (brand) copy.write(brand, 8, "latin1");
  if (rename) copy.write(rename[1], copy.indexOf(Buffer.from(rename[0], "latin1")), "latin1");
  return copy;
}

/** A minimal movie box (`moov` holding an empty `mvhd`), as every image sequence has. */
function movieBox(): Buffer {
  const mvhd = Buffer.alloc(108);
  mvhd.writeUInt32BE(108, 0);
  mvhd.write("mvhd", 4, "latin1");
  const moov = Buffer.alloc(8);
  moov.writeUInt32BE(8 + mvhd.length, 0);
  moov.write("moov", 4, "latin1");
  return Buffer.concat([moov, mvhd]);
}

/** Marks the primary item's last property association essential (the decoder must understand it). */
function lastPropertyEssential(avif: Buffer): Buffer {
  const copy = Buffer.from(avif);
  const ipma = copy.indexOf(Buffer.from("ipma", "latin1")) - 4;
  const end = ipma + copy.readUInt32BE(ipma);
  copy[end - 1] |= 0x80;
  return copy;
}

describe("reasons for PNGs that cannot be read", () => {
  it("a truncated PNG says it is truncated", async () => {
    expect(await reasonFor(cut(await opaquePng()))).toBe(truncated("PNG"));
    // Cut inside the image data, after whole chunks: the end chunk is missing.
    const png = await opaquePng();
    expect(await reasonFor(Buffer.from(png.subarray(0, chunkAt(png, "IDAT") + 40)))).toBe(truncated("PNG"));
  });

  it("a corrupt chunk is named: its image data fails its checksum", async () => {
    const png = Buffer.from(await opaquePng());
    png[chunkAt(png, "IDAT") + 8 + 30] ^= 0xff;
    expect(await reasonFor(png)).toBe(
      "the PNG file is damaged: its image data (the IDAT chunk) is corrupt: it fails its checksum",
    );
  });

  it("a corrupt header chunk is named", async () => {
    const png = Buffer.from(await opaquePng());
    // The colour type byte of IHDR, its checksum left as it was.
    png[chunkAt(png, "IHDR") + 8 + 9] = 7;
    expect(await reasonFor(png)).toBe(
      "the PNG file is damaged: its header (the IHDR chunk) is corrupt: it fails its checksum",
    );
  });

  it("image data corrupt under a valid checksum says the compressed data is corrupt", async () => {
    const png = await opaquePng();
    const at = chunkAt(png, "IDAT");
    const length = png.readUInt32BE(at);
    const data = Buffer.from(png.subarray(at + 8, at + 8 + length));
    for (let i = 2; i < data.length; i += 7) data[i] ^= 0x5a;
    const broken = Buffer.concat([png.subarray(0, at), pngChunk("IDAT", data), png.subarray(at + 12 + length)]);
    expect(await reasonFor(broken)).toBe("the PNG file is damaged: its compressed image data is corrupt");
  });

  it("a file that only starts like a PNG says its header is missing", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 0x41)]);
    expect(await reasonFor(png)).toBe("the PNG file is damaged: its header is missing or corrupt");
  });
});

describe("reasons for AVIFs that cannot be read", () => {
  it("an animated AVIF sequence says animated AVIF is not supported", async () => {
    const avif = await avifImage();
    const sequence = Buffer.concat([rewriteAvif(avif, { brand: "avis" }), movieBox()]);
    expect(await reasonFor(sequence)).toBe(
      "animated AVIF (an AVIF image sequence) is not supported: save the animation as animated WebP or GIF, or a single frame as AVIF",
    );
    // A sequence whose brand says still image still carries its track.
    expect(await reasonFor(Buffer.concat([avif, movieBox()]))).toMatch(/^animated AVIF/);
  });

  it("an AVIF needing a feature the decoder lacks names it; a layered AVIF the decoder reads is compressed", async () => {
    // A property the decoder must understand (essential) but does not; and layer sizes (a1lx).
    const avif = await avifImage();
    const layered = lastPropertyEssential(rewriteAvif(avif, { rename: ["pixi", "a1lx"] }));
    const withUnknownEssential = lastPropertyEssential(rewriteAvif(avif, { rename: ["pixi", "lyrx"] }));
    const reason = await reasonFor(withUnknownEssential);
    expect(reason).toBe(
      "the AVIF file uses a part the decoder does not know ('lyrx') that is not supported: save it again as a plain AVIF, or as JPEG or PNG",
    );
    // libheif reads a1lx: such a file is compressed as any AVIF.
    await expect(compressImage(layered, { quality: 50 })).resolves.toMatchObject({ format: "avif" });
  });

  it("a truncated AVIF says it is truncated", async () => {
    expect(await reasonFor(cut(await avifImage(), 0.7))).toBe(truncated("AVIF"));
  });
});

describe("reasons for other formats cut short", () => {
  it.each([
    ["JPEG", baselineJpeg],
    ["GIF", stillGif],
    ["WebP", lossyWebp],
    ["TIFF", tiffImage],
  ])("a truncated %s says it is truncated", async (label, make) => {
    expect(await reasonFor(cut(await make()))).toBe(truncated(label));
  });

  it("a JPEG with corrupt image data says it is damaged", async () => {
    const jpeg = Buffer.from(await baselineJpeg());
    // Overwrite the start of the entropy-coded data with markers that may not appear there.
    const scan = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    for (let i = scan + 20; i < scan + 400; i += 2) jpeg[i] = 0xff;
    const reason = await reasonFor(jpeg).catch(() => null);
    // Decoders conceal some damage; when it is refused, the reason is the seller's.
    if (reason !== null) expect(reason).toMatch(/^the JPEG file is (damaged|truncated)/);
    expect(await sharp(await baselineJpeg()).metadata()).toMatchObject({ format: "jpeg" });
  });
});
