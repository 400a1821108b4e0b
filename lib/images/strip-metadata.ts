import type { Metadata } from "sharp";
import type { ImageFormat } from "./image-formats";

/**
 * An original image without its metadata, for when it is kept because re-encoding did not make it
 * smaller (DESIGN §4). Nothing is decoded or re-encoded: the segments and chunks that carry EXIF (GPS
 * position, camera serials), XMP, IPTC, comments and text are left out, and every other byte is
 * copied as it was, so the pixels stay identical. What decoding and colour need stays: ICC profiles,
 * gamma, the Adobe colour transform, animation control.
 *
 * Null when that cannot be done safely: the file's structure is not what the walk expects, or the
 * format (AVIF, TIFF) keeps its metadata behind offset tables that would have to be rewritten. The
 * caller then serves the re-encoded image instead.
 */
export function stripMetadata(
  image: Buffer,
  format: ImageFormat,
  header: Pick<Metadata, "exif" | "xmp" | "iptc">,
): Buffer | null {
  switch (format) {
    case "jpeg":
      return stripJpeg(image);
    case "png":
      return stripPng(image);
    case "webp":
      return stripWebp(image);
    case "gif":
      return stripGif(image);
    case "avif":
    case "tiff":
    case "heic":
      // HEIF items and TIFF tags are found through offsets into the file: cutting one out means
      // rewriting them all. Not worth the risk; a file without metadata needs nothing cut.
      return header.exif || header.xmp || header.iptc ? null : image;
  }
}

// --- JPEG: marker segments ---------------------------------------------------------------------------

const SOS = 0xda;
const EOI = 0xd9;
const APP0 = 0xe0;

/** The APPn segments decoders read, by marker and the identifier their data starts with. */
const jpegAppSegmentsKept: [marker: number, identifier: string][] = [
  [APP0, "JFIF\0"], // pixel density; a 16-byte segment once its thumbnail is dropped
  [0xe2, "ICC_PROFILE\0"], // the colour profile, in as many chunks as it takes
  [0xee, "Adobe"], // colour transform: whether 3 or 4 channels are YCbCr/YCCK or RGB/CMYK
];

function stripJpeg(jpeg: Buffer): Buffer | null {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return null;
  const kept: Buffer[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at < jpeg.length) {
    // Stray bytes before a marker are skipped, as libjpeg and browsers skip them; so are 0xff fill bytes.
    while (at < jpeg.length && jpeg[at] !== 0xff) at++;
    while (at + 1 < jpeg.length && jpeg[at + 1] === 0xff) at++;
    if (at + 1 >= jpeg.length) return null;
    const marker = jpeg[at + 1];
    // What follows the end of the image is not part of it: appended motion-photo videos, depth maps
    // and other pictures (MPF), each with its own metadata.
    if (marker === EOI) return Buffer.concat([...kept, jpeg.subarray(at, at + 2)]);
    // Restart markers and TEM stand alone, without a length.
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      kept.push(jpeg.subarray(at, at + 2));
      at += 2;
      continue;
    }
    if (at + 4 > jpeg.length) return null;
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    if (end > jpeg.length || end < at + 4) return null;
    const segment = keptJpegSegment(jpeg.subarray(at, end));
    if (segment) kept.push(segment);
    at = end;
    if (marker === SOS) {
      // Entropy-coded data runs to the next marker: in it 0xff is followed by 0x00 (a stuffed byte)
      // or by a restart marker, which belong to the data.
      const start = at;
      while (at + 1 < jpeg.length && !(jpeg[at] === 0xff && isMarkerAfterData(jpeg[at + 1]))) at++;
      kept.push(jpeg.subarray(start, at));
    }
  }
  return null;
}

function isMarkerAfterData(byte: number): boolean {
  return byte !== 0x00 && !(byte >= 0xd0 && byte <= 0xd7);
}

/** The segment to write: itself, a JFIF segment without its thumbnail, or null when it carries metadata. */
function keptJpegSegment(segment: Buffer): Buffer | null {
  const marker = segment[1];
  // APP0–APP15 and COM carry metadata; every other segment (tables, frame, scan) is needed to decode.
  const isApp = marker >= 0xe0 && marker <= 0xef;
  if (marker === 0xfe) return null;
  if (!isApp) return segment;
  const known = jpegAppSegmentsKept.some(
    ([kind, identifier]) => kind === marker && segment.toString("latin1", 4, 4 + identifier.length) === identifier,
  );
  if (!known) return null;
  // JFIF may hold a thumbnail of the original, perhaps before it was cropped: keep the fixed part only
  // (identifier, version, units, densities) with a thumbnail of 0×0.
  if (marker === APP0 && segment.length > 18) {
    const jfif = Buffer.concat([segment.subarray(0, 16), Buffer.from([0, 0])]);
    jfif.writeUInt16BE(16, 2);
    return jfif;
  }
  return segment;
}

// --- PNG: chunks --------------------------------------------------------------------------------------

/**
 * Ancillary chunks that change what is shown (transparency, colour, size, animation); critical chunks
 * (IHDR, PLTE, IDAT, IEND) are always kept. Text (tEXt, zTXt, iTXt, which hold XMP), eXIf, tIME and
 * private chunks such as Apple's or C2PA's are left out: decoders may ignore any of them.
 */
const pngChunksKept = new Set([
  "tRNS",
  "gAMA",
  "cHRM",
  "sRGB",
  "iCCP",
  "cICP",
  "mDCV",
  "cLLI",
  "sBIT",
  "bKGD",
  "pHYs",
  "acTL",
  "fcTL",
  "fdAT",
]);

const PNG_SIGNATURE_LENGTH = 8;

function stripPng(png: Buffer): Buffer | null {
  const kept: Buffer[] = [png.subarray(0, PNG_SIGNATURE_LENGTH)];
  let at = PNG_SIGNATURE_LENGTH;
  while (at + 12 <= png.length) {
    // Length, type, data, CRC: a kept chunk is copied whole, so its CRC stays valid.
    const end = at + 12 + png.readUInt32BE(at);
    if (end > png.length) return null;
    const type = png.toString("latin1", at + 4, at + 8);
    // A type's first letter is upper case when decoders cannot do without the chunk.
    const critical = (png[at + 4] & 0x20) === 0;
    if (critical || pngChunksKept.has(type)) kept.push(png.subarray(at, end));
    if (type === "IEND") return Buffer.concat(kept);
    at = end;
  }
  return null;
}

// --- WebP: RIFF chunks --------------------------------------------------------------------------------

/** Chunks that hold the picture, its alpha, animation and colour profile; EXIF, XMP and unknown ones go. */
const webpChunksKept = new Set(["VP8X", "VP8 ", "VP8L", "ALPH", "ANIM", "ANMF", "ICCP"]);
const VP8X_EXIF_FLAG = 0x08;
const VP8X_XMP_FLAG = 0x04;

function stripWebp(webp: Buffer): Buffer | null {
  if (webp.length < 12 || webp.toString("latin1", 8, 12) !== "WEBP") return null;
  const riffEnd = 8 + webp.readUInt32LE(4);
  if (riffEnd > webp.length) return null;
  const kept: Buffer[] = [];
  let at = 12;
  while (at < riffEnd) {
    if (at + 8 > riffEnd) return null;
    const size = webp.readUInt32LE(at + 4);
    // Chunks are padded to an even length.
    const end = at + 8 + size + (size & 1);
    if (end > riffEnd) return null;
    const type = webp.toString("latin1", at, at + 4);
    if (type === "VP8X") {
      // The extended header announces EXIF and XMP; it must not announce chunks that are gone.
      const header = Buffer.from(webp.subarray(at, end));
      header[8] &= ~(VP8X_EXIF_FLAG | VP8X_XMP_FLAG);
      kept.push(header);
    } else if (webpChunksKept.has(type)) {
      kept.push(webp.subarray(at, end));
    }
    at = end;
  }
  const riff = Buffer.from("RIFF\0\0\0\0WEBP", "latin1");
  const body = Buffer.concat(kept);
  riff.writeUInt32LE(4 + body.length, 4);
  return Buffer.concat([riff, body]);
}

// --- GIF: blocks --------------------------------------------------------------------------------------

const GIF_IMAGE = 0x2c;
const GIF_EXTENSION = 0x21;
const GIF_TRAILER = 0x3b;

/**
 * Application extensions that change what is shown: the loop count of an animation (Netscape's and
 * its AnimExts twin) and an ICC profile. Others, XMP among them, are left out.
 */
const gifApplicationsKept = new Set(["NETSCAPE2.0", "ANIMEXTS1.0", "ICCRGBG1012"]);

function stripGif(gif: Buffer): Buffer | null {
  // Header and logical screen descriptor, then the global colour table when the screen has one.
  if (gif.length < 13) return null;
  let at = 13 + colourTableSize(gif[10]);
  const kept: Buffer[] = [gif.subarray(0, at)];
  while (at < gif.length) {
    const start = at;
    switch (gif[at]) {
      case GIF_TRAILER:
        // Bytes after the trailer are not part of the image.
        return Buffer.concat([...kept, gif.subarray(at, at + 1)]);
      case GIF_IMAGE:
        // Descriptor (10 bytes), local colour table, LZW code size, then the data's sub-blocks.
        if (at + 10 > gif.length) return null;
        at = afterSubBlocks(gif, at + 10 + colourTableSize(gif[at + 9]) + 1);
        if (at < 0) return null;
        kept.push(gif.subarray(start, at));
        break;
      case GIF_EXTENSION:
        at = afterSubBlocks(gif, at + 2);
        if (at < 0) return null;
        if (keptGifExtension(gif.subarray(start, at))) kept.push(gif.subarray(start, at));
        break;
      default:
        return null;
    }
  }
  return null;
}

function colourTableSize(packed: number): number {
  return packed & 0x80 ? 3 << ((packed & 0x07) + 1) : 0;
}

/**
 * The offset after a chain of sub-blocks (a length byte, that many bytes; a zero length ends it), or
 * -1 when the chain runs past the end. XMP's raw bytes and "magic trailer" parse as such a chain.
 */
function afterSubBlocks(gif: Buffer, at: number): number {
  while (at < gif.length) {
    const size = gif[at];
    at += 1 + size;
    if (size === 0) return at;
  }
  return -1;
}

function keptGifExtension(extension: Buffer): boolean {
  switch (extension[1]) {
    case 0xf9: // graphic control: delay, disposal, transparent colour
    case 0x01: // plain text: drawn as part of the picture
      return true;
    case 0xff: // application: its first sub-block is an 8-letter name and a 3-letter code
      return extension[2] === 11 && gifApplicationsKept.has(extension.toString("latin1", 3, 14));
    default: // comments (0xfe) and anything unknown
      return false;
  }
}
