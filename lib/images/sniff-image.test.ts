import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { sniffImage } from "./sniff-image";
import { ZipFile } from "yazl";
import { imageFixtures, pngChunk } from "@/test/image-fixtures";

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part, "latin1") : Buffer.from(part))));

/** An ISO base media `ftyp` box with the given major and compatible brands, then some padding. */
const ftyp = (major: string, ...compatible: string[]) => {
  const box = bytes([0, 0, 0, 16 + 4 * compatible.length], "ftyp", major, [0, 0, 0, 0], ...compatible);
  return Buffer.concat([box, Buffer.alloc(64)]);
};

/** The outline of an Excel workbook: a ZIP whose content types name the spreadsheet's main part. */
async function excelWorkbook(): Promise<Buffer> {
  const mainPart = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
  const contentTypes = `<?xml version="1.0"?><Types><Override PartName="/xl/workbook.xml" ContentType="${mainPart}"/></Types>`;
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from(contentTypes), "[Content_Types].xml");
  zip.addBuffer(Buffer.from('<?xml version="1.0"?><workbook/>'), "xl/workbook.xml");
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An uncompressed TIFF whose first pixels are `pixels` (RGB): libtiff writes them right after the header. */
const plainTiff = (pixels: number[]) =>
  sharp(Buffer.from(pixels), { raw: { width: pixels.length / 3, height: 1, channels: 3 } })
    .tiff({ compression: "none" })
    .toBuffer();

/**
 * A one-pixel grey TIFF written by hand, with `extra` directory entries ([tag, type, count, value]),
 * and, when given, the maker (tag 271).
 */
function handMadeTiff(extra: [number, number, number, Buffer][], maker?: string): Buffer {
  const makerText = maker === undefined ? null : Buffer.from(`${maker}\0`, "latin1");
  const field = (write: (field: Buffer) => void) => {
    const value = Buffer.alloc(4);
    write(value);
    return value;
  };
  const short = (value: number) => field((into) => into.writeUInt16LE(value));
  const long = (value: number) => field((into) => into.writeUInt32LE(value));
  const entries: [number, number, number, Buffer][] = [
    [256, 3, 1, short(1)],
    [257, 3, 1, short(1)],
    [258, 3, 1, short(8)],
    [259, 3, 1, short(1)],
    [262, 3, 1, short(1)],
    [273, 4, 1, long(0)], // the strip's offset, set below
    [277, 3, 1, short(1)],
    [278, 3, 1, short(1)],
    [279, 4, 1, long(1)],
    ...extra,
  ];
  if (makerText) entries.push([271, 2, makerText.length, long(0)]);
  entries.sort((a, b) => a[0] - b[0]);
  const directorySize = 2 + entries.length * 12 + 4;
  const makerAt = 8 + directorySize;
  const pixelAt = makerAt + (makerText?.length ?? 0);
  const directory = Buffer.alloc(directorySize);
  directory.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, count, value], index) => {
    const at = 2 + index * 12;
    directory.writeUInt16LE(tag, at);
    directory.writeUInt16LE(type, at + 2);
    directory.writeUInt32LE(count, at + 4);
    if (tag === 273) directory.writeUInt32LE(pixelAt, at + 8);
    else if (tag === 271) directory.writeUInt32LE(makerAt, at + 8);
    else value.copy(directory, at + 8);
  });
  return Buffer.concat([bytes("II", [42, 0, 8, 0, 0, 0]), directory, makerText ?? Buffer.alloc(0), Buffer.from([128])]);
}

describe("sniffImage", () => {
  it.each([
    ["baselineJpeg", "jpeg"],
    ["progressiveJpeg", "jpeg"],
    ["cmykJpeg", "jpeg"],
    ["exifRotatedJpeg", "jpeg"],
    ["truncatedJpeg", "jpeg"],
    ["opaquePng", "png"],
    ["sixteenBitPng", "png"],
    ["hugeDimensionsPng", "png"],
    ["lossyWebp", "webp"],
    ["losslessWebp", "webp"],
    ["animatedWebp", "webp"],
    ["avifImage", "avif"],
    ["stillGif", "gif"],
    ["animatedGif", "gif"],
    ["tiffImage", "tiff"],
  ] as const)("recognises %s as %s", async (fixture, format) => {
    expect(await sniffImage(await imageFixtures[fixture]())).toEqual({ format });
  });

  it("recognises big-endian TIFF, BigTIFF, GIF87a and AVIF written with the generic HEIF brand first", async () => {
    expect(await sniffImage(bytes("MM", [0, 42], [0, 0, 0, 8]))).toEqual({ format: "tiff" });
    expect(await sniffImage(bytes("II", [43, 0, 8, 0]))).toEqual({ format: "tiff" });
    expect(await sniffImage(bytes("GIF87a", [1, 0, 1, 0]))).toEqual({ format: "gif" });
    expect(await sniffImage(ftyp("mif1", "mif1", "avif", "miaf"))).toEqual({ format: "avif" });
    expect(await sniffImage(ftyp("avis", "avis", "msf1"))).toEqual({ format: "avif" });
  });

  it.each(["htmlPage", "svgWithScript", "emptyFile"] as const)("refuses %s", async (fixture) => {
    expect(await sniffImage(await imageFixtures[fixture]())).toHaveProperty("notAnImage");
  });

  it("recognises HEIC/HEIF by its brands, AVIF first", async () => {
    expect(await sniffImage(ftyp("heic", "mif1", "heic"))).toEqual({ format: "heic" });
    expect(await sniffImage(ftyp("mif1", "mif1", "heic"))).toEqual({ format: "heic" });
    expect(await sniffImage(ftyp("heix", "mif1", "heix"))).toEqual({ format: "heic" });
    expect(await sniffImage(ftyp("mif1", "mif1", "avif"))).toEqual({ format: "avif" });
  });

  it("refuses BMP, PDF and a lone JPEG marker", async () => {
    expect(await sniffImage(bytes("BM", Array(40).fill(0)))).toHaveProperty("notAnImage");
    expect(await sniffImage(bytes("%PDF-1.7\n"))).toHaveProperty("notAnImage");
    expect(await sniffImage(bytes([0xff, 0xd8]))).toHaveProperty("notAnImage");
  });
});

/** Why `bytes` are refused, as the seller reads it. */
const describeNotAnImage = async (bytes: Buffer) => (await sniffImage(bytes)).notAnImage;

describe("what a seller reads when the file is not an image we read", () => {
  const supported = "(JPEG, PNG, WebP, AVIF, GIF, TIFF, HEIC/HEIF)";

  it("explains the files a seller's link most often returns instead of an image", async () => {
    expect(await describeNotAnImage(await imageFixtures.emptyFile())).toBe("the file is empty (0 bytes)");
    expect(await describeNotAnImage(await imageFixtures.htmlPage())).toBe(
      "the URL returned a web page (HTML), not an image",
    );
    expect(await describeNotAnImage(await imageFixtures.svgWithScript())).toBe("SVG images are not supported");
  });

  it("recognises HTML and SVG however they start", async () => {
    const html = "the URL returned a web page (HTML), not an image";
    expect(await describeNotAnImage(Buffer.from("\uFEFF  \n<!-- cdn --><HTML lang=en><body>x</body></HTML>"))).toBe(
      html,
    );
    expect(await describeNotAnImage(Buffer.from("<head><title>404</title></head>"))).toBe(html);
    expect(await describeNotAnImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(
      "SVG images are not supported",
    );
    expect(
      await describeNotAnImage(Buffer.from('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg></svg>')),
    ).toBe("SVG images are not supported");
  });

  it("names documents and archives", async () => {
    expect(await describeNotAnImage(bytes("%PDF-1.4\n%âãÏÓ\n"))).toBe("the URL returned a PDF document, not an image");
    expect(await describeNotAnImage(bytes("PK", [3, 4, 20, 0, 0, 0]))).toBe(
      "the URL returned a ZIP archive, not an image",
    );
    expect(await describeNotAnImage(bytes([0x1f, 0x8b, 8, 0]))).toBe(
      "the URL returned a compressed (gzip) file, not an image",
    );
    expect(await describeNotAnImage(ftyp("isom", "isom", "mp41"))).toBe("the URL returned a video, not an image");
  });

  it("lists the supported formats when the image format is one we do not take", async () => {
    expect(await describeNotAnImage(bytes("BM", Array(60).fill(0)))).toBe(
      `BMP is not a supported image format ${supported}`,
    );
    expect(await describeNotAnImage(bytes([0, 0, 1, 0, 1, 0, 16, 16]))).toBe(
      `ICO is not a supported image format ${supported}`,
    );
    expect(await describeNotAnImage(bytes([0xff, 0x0a, 0, 0]))).toBe(
      `JPEG XL is not a supported image format ${supported}`,
    );
    expect(await describeNotAnImage(bytes("8BPS", [0, 1]))).toBe(
      `Photoshop (PSD) is not a supported image format ${supported}`,
    );
  });

  it("names spreadsheets, sound and camera raw files, which file-type's signatures tell apart", async () => {
    expect(await describeNotAnImage(await excelWorkbook())).toBe("the URL returned an Excel spreadsheet, not an image");
    expect(await describeNotAnImage(bytes("fLaC", [0, 0, 0, 34], Array(64).fill(0)))).toBe(
      "the URL returned an audio file, not an image",
    );
    expect(await describeNotAnImage(bytes("RIFF", [36, 0, 0, 0], "WAVEfmt ", Array(32).fill(0)))).toBe(
      "the URL returned an audio file, not an image",
    );
    // A Canon raw file is a TIFF whose header says "CR" after the first directory's offset.
    expect(await describeNotAnImage(bytes("II", [42, 0, 16, 0, 0, 0], "CR", [2, 0], Array(64).fill(0)))).toBe(
      `camera raw (CR2) is not a supported image format ${supported}`,
    );
    expect(await describeNotAnImage(bytes("MZ", [0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff]))).toBe(
      "the URL returned a file of another kind (EXE), not an image",
    );
  });

  it("reads a TIFF as a TIFF when file-type's tells for a camera's raw file do not hold", async () => {
    // Pixels that spell Canon's and Nikon's tells where an uncompressed TIFF keeps them.
    const canonLike = await plainTiff([67, 82, 2, 0, 0, 0]);
    expect(canonLike.toString("latin1", 8, 10)).toBe("CR");
    const nikonLike = await plainTiff([0x1c, 0x00, 0xfe, 0x00, 0, 0]);
    // PrintIM, which Epson's scanning software writes, is also Sony's tell.
    const printIm = handMadeTiff([[50341, 7, 4, Buffer.from("PrIM")]]);
    for (const tiff of [canonLike, nikonLike, printIm]) {
      expect(await sniffImage(tiff)).toEqual({ format: "tiff" });
      expect((await sharp(tiff).metadata()).format).toBe("tiff");
    }
    // The same tag from a Sony camera is its raw file.
    expect(await describeNotAnImage(handMadeTiff([[50341, 7, 4, Buffer.from("PrIM")]], "SONY"))).toBe(
      `camera raw (ARW) is not a supported image format ${supported}`,
    );
  });

  it("reads an animated PNG as the PNG it also is, and a TIFF cut before its first directory as a TIFF", async () => {
    const png = await imageFixtures.opaquePng();
    const animationControl = pngChunk("acTL", Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]));
    const apng = Buffer.concat([png.subarray(0, 33), animationControl, png.subarray(33)]);
    expect(await sniffImage(apng)).toEqual({ format: "png" });
    const tiff = await imageFixtures.tiffImage();
    expect(await sniffImage(tiff.subarray(0, 8))).toEqual({ format: "tiff" });
  });

  it("tells text from unknown binary data", async () => {
    expect(await describeNotAnImage(Buffer.from('{"error":"not found"}'))).toBe(
      "the URL returned JSON data, not an image",
    );
    expect(await describeNotAnImage(Buffer.from("Access denied.\n"))).toBe("the URL returned text, not an image");
    expect(await describeNotAnImage(Buffer.from('<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>'))).toBe(
      "the URL returned an XML document, not an image",
    );
    // "GIF" starts a GIF file, and ordinary text too; so does "BM" a BMP.
    expect(await describeNotAnImage(Buffer.from("GIFT cards are out of stock\n"))).toBe(
      "the URL returned text, not an image",
    );
    expect(await describeNotAnImage(Buffer.from("BMW parts are out of stock\n"))).toBe(
      "the URL returned text, not an image",
    );
    expect(await describeNotAnImage(bytes([0x00, 0x13, 0x37, 0xc0, 0xff, 0xee, 0x01, 0x02]))).toBe(
      "the file is not a recognised image (supported formats: JPEG, PNG, WebP, AVIF, GIF, TIFF, HEIC/HEIF)",
    );
  });
});
