import { crc32 } from "node:zlib";
import { type ImageFormat, imageFormatInfo } from "./image-formats";
import { boxesIn, childrenOf, findBox, itemProperties } from "./iso-boxes";

/**
 * Why a file in a format we read could not be read, in a seller's words, found in the file's own bytes:
 * a decoder's message ("unable to write to target target", "heif: Invalid input: ...") says nothing to
 * the person who has to fix the file, so it is never shown. What can be told apart is: the file is
 * cut short (an interrupted upload or save), part of it is corrupt, or it uses a feature of its format
 * that is not supported, and which.
 */

const labelOf = (format: ImageFormat) => imageFormatInfo[format].label;

export const truncatedReason = (format: ImageFormat) =>
  `the ${labelOf(format)} file is truncated: it ends before the image does (it was cut short when it was saved or uploaded)`;

const damagedReason = (format: ImageFormat, what = "its image data cannot be decoded") =>
  `the ${labelOf(format)} file is damaged: ${what}`;

export const AVIF_SEQUENCE_REASON =
  "animated AVIF (an AVIF image sequence) is not supported: save the animation as animated WebP or GIF, or a single frame as AVIF";

const LAYERED_AVIF_REASON =
  "layered AVIF (an image stored in progressive layers) is not supported: save it as a single-layer AVIF, or as JPEG or PNG";

const HEIF_SEQUENCE_REASON =
  "a HEIC/HEIF image sequence (an animation or burst) is not supported: save one photo of it as HEIC or JPEG";

/**
 * A feature of the file that is refused before decoding, or null: an AVIF or HEIF image sequence
 * (`avis`, `msf1`, `hevs`, or a `moov` track), which would otherwise be read as its first frame or not
 * at all, and an animation must not become a still image.
 */
export function unsupportedFeature(bytes: Buffer, format: ImageFormat): string | null {
  if (format !== "avif" && format !== "heic") return null;
  const [ftyp] = boxesIn(bytes, 0, Math.min(bytes.length, 4096));
  const major = ftyp ? bytes.toString("latin1", ftyp.contentStart, ftyp.contentStart + 4) : "";
  const sequence = ["avis", "msf1", "hevs"].includes(major) || findBox(boxesIn(bytes), "moov") !== undefined;
  if (!sequence) return null;
  return format === "avif" ? AVIF_SEQUENCE_REASON : HEIF_SEQUENCE_REASON;
}

/** Why a file that sniffed as `format` could not be decoded; `error` is the decoder's, read only for hints. */
export function unreadableReason(bytes: Buffer, format: ImageFormat, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  switch (format) {
    case "png":
      return pngReason(bytes);
    case "jpeg":
      // Every JPEG ends with an end-of-image marker; a download cut short lacks it.
      if (/premature end/i.test(message) || !bytes.subarray(-64).includes(Buffer.from([0xff, 0xd9]))) {
        return truncatedReason(format);
      }
      return damagedReason(format);
    case "gif":
      return gifReason(bytes, message);
    case "webp":
      // The RIFF header states the file's size.
      if (bytes.length < 12 || bytes.readUInt32LE(4) + 8 > bytes.length) return truncatedReason(format);
      return damagedReason(format);
    case "avif":
      return avifReason(bytes, message);
    case "tiff":
      return tiffReason(bytes);
    case "heic":
      if (boxesIn(bytes).some((box) => box.truncated)) return truncatedReason(format);
      return damagedReason(format, message.startsWith("its ") || message.startsWith("the ") ? message : undefined);
  }
}

/** A file whose header reads, but says it is of another format than its first bytes. */
export const notValidReason = (format: ImageFormat) =>
  damagedReason(format, `it starts like a ${labelOf(format)} file but is not a valid one`);

export const noPixelsReason = (format: ImageFormat) => damagedReason(format, "it holds no pixels");

// --- PNG: chunks with lengths and checksums tell exactly what is wrong -------------------------------

const pngChunkRoles: Record<string, string> = {
  IHDR: "header",
  PLTE: "palette",
  IDAT: "image data",
  tRNS: "transparency",
};

function pngReason(bytes: Buffer): string {
  let offset = 8;
  let sawEnd = false;
  let first = true;
  while (offset < bytes.length) {
    if (offset + 8 > bytes.length) return truncatedReason("png");
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString("latin1", offset + 4, offset + 8);
    if (first && type !== "IHDR") return damagedReason("png", "its header is missing or corrupt");
    if (!/^[A-Za-z]{4}$/.test(type) || length > 0x7fffffff) {
      return damagedReason(
        "png",
        first ? "its header is missing or corrupt" : "its structure is corrupt (a part of it has an impossible size)",
      );
    }
    if (offset + 12 + length > bytes.length) return truncatedReason("png");
    const expected = bytes.readUInt32BE(offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== expected) {
      const role = pngChunkRoles[type]
        ? `its ${pngChunkRoles[type]} (the ${type} chunk)`
        : `a part of it (the ${type} chunk)`;
      return damagedReason("png", `${role} is corrupt: it fails its checksum`);
    }
    first = false;
    offset += 12 + length;
    if (type === "IEND") {
      sawEnd = true;
      break;
    }
  }
  if (!sawEnd) return truncatedReason("png");
  return damagedReason("png", "its compressed image data is corrupt");
}

// --- GIF ---------------------------------------------------------------------------------------------

function gifReason(bytes: Buffer, message: string): string {
  if (bytes.length < 13) return truncatedReason("gif");
  // After the screen descriptor (and its colour table, when it has one) comes a block: an extension,
  // an image or the trailer. Anything else there is not GIF data at all.
  const flags = bytes[10];
  const firstBlock = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
  if (firstBlock < bytes.length && ![0x21, 0x2c, 0x3b].includes(bytes[firstBlock])) {
    return damagedReason("gif", "its image data is not GIF data");
  }
  // The trailer byte (0x3b) ends every GIF.
  if (/unexpected end/i.test(message) || bytes.at(-1) !== 0x3b) return truncatedReason("gif");
  return damagedReason("gif");
}

// --- AVIF --------------------------------------------------------------------------------------------

/** Properties of a layered (progressive) AV1 image: layer sizes and the layer to show. */
const layerProperties = ["a1lx", "lsel", "a1op"];

const featureNames: Record<string, string> = {
  grid: "a tiled (grid) image",
  tmap: "an HDR gain map",
  iovl: "an overlay image",
};

function avifReason(bytes: Buffer, message: string): string {
  const top = boxesIn(bytes);
  if (top.some((box) => box.truncated)) return truncatedReason("avif");
  const meta = findBox(top, "meta");
  if (!meta) return damagedReason("avif", "it has no image in it (its item list is missing)");
  // An item's data outside the file: the file was cut short after its index was written.
  if (/outside of file|end of file|end of data/i.test(message)) return truncatedReason("avif");
  const properties = itemProperties(bytes) ?? [];
  if (properties.some((box) => layerProperties.includes(box.type))) return LAYERED_AVIF_REASON;
  const feature = /item property '(\w{4})'|unsupported (?:image|item) type:? '?(\w{4})/i.exec(message);
  const name = feature?.[1] ?? feature?.[2];
  if (name || /unsupported feature/i.test(message)) {
    const what = name ? (featureNames[name] ?? `a part the decoder does not know ('${name}')`) : "a feature";
    return `the AVIF file uses ${what} that is not supported: save it again as a plain AVIF, or as JPEG or PNG`;
  }
  if (!findBox(childrenOf(bytes, meta, { full: true }), "iloc")) {
    return damagedReason("avif", "it has no image in it (its item locations are missing)");
  }
  return damagedReason("avif");
}

// --- TIFF --------------------------------------------------------------------------------------------

function tiffReason(bytes: Buffer): string {
  if (bytes.length < 8) return truncatedReason("tiff");
  const little = bytes[0] === 0x49;
  const big = bytes[2] === 0x2b || bytes[3] === 0x2b;
  // Where the first directory (the list of the image's parts) is: past the end means a cut-short file.
  const directory = big
    ? bytes.length >= 16
      ? Number(little ? bytes.readBigUInt64LE(8) : bytes.readBigUInt64BE(8))
      : Infinity
    : little
      ? bytes.readUInt32LE(4)
      : bytes.readUInt32BE(4);
  if (directory >= bytes.length) return truncatedReason("tiff");
  return damagedReason("tiff");
}
