import { describe, expect, it } from "vitest";
import { describeNotAnImage, sniffImage } from "./sniff-image";
import { imageFixtures } from "@/test/image-fixtures";

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part, "latin1") : Buffer.from(part))));

/** An ISO base media `ftyp` box with the given major and compatible brands, then some padding. */
const ftyp = (major: string, ...compatible: string[]) => {
  const box = bytes([0, 0, 0, 16 + 4 * compatible.length], "ftyp", major, [0, 0, 0, 0], ...compatible);
  return Buffer.concat([box, Buffer.alloc(64)]);
};

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
    expect(sniffImage(await imageFixtures[fixture]())).toEqual({ format });
  });

  it("recognises big-endian TIFF, BigTIFF, GIF87a and AVIF written with the generic HEIF brand first", () => {
    expect(sniffImage(bytes("MM", [0, 42], [0, 0, 0, 8]))).toEqual({ format: "tiff" });
    expect(sniffImage(bytes("II", [43, 0, 8, 0]))).toEqual({ format: "tiff" });
    expect(sniffImage(bytes("GIF87a", [1, 0, 1, 0]))).toEqual({ format: "gif" });
    expect(sniffImage(ftyp("mif1", "mif1", "avif", "miaf"))).toEqual({ format: "avif" });
    expect(sniffImage(ftyp("avis", "avis", "msf1"))).toEqual({ format: "avif" });
  });

  it.each(["htmlPage", "svgWithScript", "emptyFile"] as const)("refuses %s", async (fixture) => {
    expect(sniffImage(await imageFixtures[fixture]())).toBeNull();
  });

  it("recognises HEIC/HEIF by its brands, AVIF first", () => {
    expect(sniffImage(ftyp("heic", "mif1", "heic"))).toEqual({ format: "heic" });
    expect(sniffImage(ftyp("mif1", "mif1", "heic"))).toEqual({ format: "heic" });
    expect(sniffImage(ftyp("heix", "mif1", "heix"))).toEqual({ format: "heic" });
    expect(sniffImage(ftyp("mif1", "mif1", "avif"))).toEqual({ format: "avif" });
  });

  it("refuses BMP, PDF and a lone JPEG marker", () => {
    expect(sniffImage(bytes("BM", Array(40).fill(0)))).toBeNull();
    expect(sniffImage(bytes("%PDF-1.7\n"))).toBeNull();
    expect(sniffImage(bytes([0xff, 0xd8]))).toBeNull();
  });
});

describe("describeNotAnImage", () => {
  const supported = "(JPEG, PNG, WebP, AVIF, GIF, TIFF, HEIC/HEIF)";

  it("explains the files a seller's link most often returns instead of an image", async () => {
    expect(describeNotAnImage(await imageFixtures.emptyFile())).toBe("the file is empty (0 bytes)");
    expect(describeNotAnImage(await imageFixtures.htmlPage())).toBe("the URL returned a web page (HTML), not an image");
    expect(describeNotAnImage(await imageFixtures.svgWithScript())).toBe("SVG images are not supported");
  });

  it("recognises HTML and SVG however they start", () => {
    const html = "the URL returned a web page (HTML), not an image";
    expect(describeNotAnImage(Buffer.from("\uFEFF  \n<!-- cdn --><HTML lang=en><body>x</body></HTML>"))).toBe(html);
    expect(describeNotAnImage(Buffer.from("<head><title>404</title></head>"))).toBe(html);
    expect(describeNotAnImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(
      "SVG images are not supported",
    );
    expect(describeNotAnImage(Buffer.from('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg></svg>'))).toBe(
      "SVG images are not supported",
    );
  });

  it("names documents and archives", () => {
    expect(describeNotAnImage(bytes("%PDF-1.4\n%âãÏÓ\n"))).toBe("the URL returned a PDF document, not an image");
    expect(describeNotAnImage(bytes("PK", [3, 4, 20, 0, 0, 0]))).toBe("the URL returned a ZIP archive, not an image");
    expect(describeNotAnImage(bytes([0x1f, 0x8b, 8, 0]))).toBe(
      "the URL returned a compressed (gzip) file, not an image",
    );
    expect(describeNotAnImage(ftyp("isom", "isom", "mp41"))).toBe("the URL returned a video, not an image");
  });

  it("lists the supported formats when the image format is one we do not take", () => {
    expect(describeNotAnImage(bytes("BM", Array(60).fill(0)))).toBe(`BMP is not a supported image format ${supported}`);
    expect(describeNotAnImage(bytes([0, 0, 1, 0, 1, 0, 16, 16]))).toBe(
      `ICO is not a supported image format ${supported}`,
    );
    expect(describeNotAnImage(bytes([0xff, 0x0a, 0, 0]))).toBe(`JPEG XL is not a supported image format ${supported}`);
    expect(describeNotAnImage(bytes("8BPS", [0, 1]))).toBe(
      `Photoshop (PSD) is not a supported image format ${supported}`,
    );
  });

  it("tells text from unknown binary data", () => {
    expect(describeNotAnImage(Buffer.from('{"error":"not found"}'))).toBe("the URL returned JSON data, not an image");
    expect(describeNotAnImage(Buffer.from("Access denied.\n"))).toBe("the URL returned text, not an image");
    expect(describeNotAnImage(Buffer.from('<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>'))).toBe(
      "the URL returned an XML document, not an image",
    );
    expect(describeNotAnImage(bytes([0x00, 0x13, 0x37, 0xc0, 0xff, 0xee, 0x01, 0x02]))).toBe(
      "the file is not a recognised image (supported formats: JPEG, PNG, WebP, AVIF, GIF, TIFF, HEIC/HEIF)",
    );
  });
});
