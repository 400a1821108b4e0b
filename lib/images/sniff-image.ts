import { type FileTypeResult, fileTypeFromBuffer } from "file-type";
import { type ImageFormat, supportedFormatsText } from "./image-formats";

/**
 * Tells what a downloaded file is from its bytes. A server's content-type and a URL's extension are
 * often wrong (a CDN that answers "image/jpeg" with a login page), so neither is consulted. Binary
 * formats are recognised by `file-type`'s signatures; what it does not know, text above all (the web
 * page a broken link returns), is told here, in words a seller understands.
 */

export type SniffedImage = { format: ImageFormat; notAnImage?: never } | { format?: never; notAnImage: string };

/** file-type's extensions for the formats we read. */
const readableFormats: Partial<Record<string, ImageFormat>> = {
  jpg: "jpeg",
  png: "png",
  // An animated PNG is read as its still image, as a browser without APNG support shows it.
  apng: "png",
  gif: "gif",
  webp: "webp",
  tif: "tiff",
  avif: "avif",
  heic: "heic",
};

export async function sniffImage(bytes: Buffer): Promise<SniffedImage> {
  if (bytes.length === 0) return { notAnImage: "the file is empty (0 bytes)" };
  const iso = isoImageFormat(bytes);
  if (iso) return { format: iso };
  const signed = signatureFormat(bytes);
  const fileType = await fileTypeFromBuffer(bytes);
  const named = fileType ? readableFormats[fileType.ext] : undefined;
  // One of ours only where its full signature agrees: file-type's GIF is three bytes ("GIFT cards…").
  if (named && named === signed) return { format: named };
  // A TIFF file-type takes for a camera's raw file on a loose tell is a TIFF, unless the tell holds.
  if (signed === "tiff" && fileType && !isCameraRaw(bytes, fileType.ext)) return { format: "tiff" };
  // file-type checks more than the first bytes (a PNG's first chunk, a TIFF's first directory) and
  // names nothing when those are broken: a file that starts as one of ours is a damaged one, and
  // decoding it says how.
  if (signed && !fileType) return { format: signed };
  // Short signatures (BMP's "BM", a Windows program's "MZ", "GIF") also start ordinary text.
  const textual = (named || weakSignatures.includes(fileType?.ext ?? "")) && looksLikeText(bytes);
  return { notAnImage: describeNotAnImage(bytes, textual ? undefined : fileType) };
}

const weakSignatures = ["bmp", "exe"];

/**
 * AVIF and HEIC by every brand of an ISO base media file, not only the major one file-type reads:
 * some encoders write the generic HEIF brand (`mif1`) first and list `avif` among the compatible ones.
 */
function isoImageFormat(bytes: Buffer): ImageFormat | null {
  if (bytes.length < 16 || bytes.toString("latin1", 4, 8) !== "ftyp") return null;
  const boxSize = Math.min(bytes.readUInt32BE(0), bytes.length, 4096);
  const major = bytes.toString("latin1", 8, 12);
  const brands = [major];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) brands.push(bytes.toString("latin1", offset, offset + 4));
  const isAvif = (brand: string) => brand === "avif" || brand === "avis";
  if (isAvif(major) || (["mif1", "msf1"].includes(major) && brands.some(isAvif))) return "avif";
  return brands.some((brand) => heifBrands.includes(brand)) ? "heic" : null;
}

const heifBrands = ["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1"];

/** The format of ours a file's first bytes name in full, whatever follows them. */
function signatureFormat(bytes: Buffer): ImageFormat | null {
  const start = bytes.toString("latin1", 0, 12);
  if (start.startsWith("\xff\xd8\xff")) return "jpeg";
  if (start.startsWith("\x89PNG\r\n\x1a\n")) return "png";
  if (start.startsWith("GIF87a") || start.startsWith("GIF89a")) return "gif";
  if (start.startsWith("RIFF") && start.slice(8) === "WEBP") return "webp";
  // Classic and BigTIFF, both byte orders.
  if (["II*\0", "MM\0*", "II+\0", "MM\0+"].includes(start.slice(0, 4))) return "tiff";
  return null;
}

/**
 * Whether a TIFF file-type names as a camera's raw file is one. Its tells for Canon's CR2 and Nikon's
 * NEF are bytes where an uncompressed TIFF keeps its first pixels, and for Sony's ARW a tag scanners
 * write too: each is confirmed by the file's own structure or its maker (tag 271). DNG's tell, its
 * version tag, is the format's own.
 */
function isCameraRaw(bytes: Buffer, ext: string): boolean {
  switch (ext) {
    case "cr2":
      return bytes.toString("latin1", 8, 10) === "CR" && bytes[10] === 2 && tiffNumbers(bytes).u32(4) === 16;
    case "nef":
      return /^nikon/i.test(tiffMaker(bytes));
    case "arw":
      return /^sony/i.test(tiffMaker(bytes));
    case "dng":
      return true;
    default:
      return false;
  }
}

function tiffNumbers(bytes: Buffer) {
  const little = bytes[0] === 0x49;
  return {
    u16: (at: number) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at)),
    u32: (at: number) => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at)),
  };
}

/** The maker a classic TIFF's first directory names (tag 271), or "" when it names none. */
function tiffMaker(bytes: Buffer): string {
  const { u16, u32 } = tiffNumbers(bytes);
  try {
    const directory = u32(4);
    const entries = u16(directory);
    for (let entry = 0; entry < entries; entry++) {
      const at = directory + 2 + entry * 12;
      if (u16(at) !== 271) continue;
      const length = Math.min(u32(at + 4), 64);
      const start = length <= 4 ? at + 8 : u32(at + 8);
      return bytes.toString("latin1", start, start + length).replace(/\0[^]*$/, "");
    }
  } catch {
    // A directory that runs past the end of the file names no maker.
  }
  return "";
}

/** Names sellers know for image formats that are not read. */
const otherImageNames: Record<string, string> = {
  bmp: "BMP",
  ico: "ICO",
  cur: "Windows cursor (CUR)",
  psd: "Photoshop (PSD)",
  jxl: "JPEG XL",
  jp2: "JPEG 2000",
  jpx: "JPEG 2000",
  jpm: "JPEG 2000",
  j2c: "JPEG 2000",
  jxr: "JPEG XR",
  dng: "camera raw (DNG)",
  cr2: "camera raw (CR2)",
  cr3: "camera raw (CR3)",
  nef: "camera raw (NEF)",
  arw: "camera raw (ARW)",
  orf: "camera raw (ORF)",
  rw2: "camera raw (RW2)",
  raf: "camera raw (RAF)",
};

/** What other files are, after "the URL returned …". */
const otherFileNames: Record<string, string> = {
  pdf: "a PDF document",
  zip: "a ZIP archive",
  gz: "a compressed (gzip) file",
  docx: "a Word document",
  doc: "a Word document",
  xlsx: "an Excel spreadsheet",
  xls: "an Excel spreadsheet",
  pptx: "a PowerPoint presentation",
  xml: "an XML document",
};

const unsupportedImage = (name: string) => `${name} is not a supported image format (${supportedFormatsText})`;
const notAnImage = (what: string) => `the URL returned ${what}, not an image`;

/** Why a file that is not an image we read is not one. */
function describeNotAnImage(bytes: Buffer, fileType: FileTypeResult | undefined): string {
  const text = leadingText(bytes);
  // SVG may carry scripts and external references; it is never rasterised.
  if (
    text.startsWith("<svg") ||
    text.startsWith("<!doctype svg") ||
    (text.startsWith("<?xml") && text.includes("<svg"))
  ) {
    return "SVG images are not supported";
  }
  if (text.startsWith("<!doctype html") || /^<(html|head|body|meta|title|script|div|p|a|link|style)[\s>/]/.test(text)) {
    return notAnImage("a web page (HTML)");
  }

  if (fileType) {
    const { ext, mime } = fileType;
    if (mime.startsWith("image/")) return unsupportedImage(otherImageNames[ext] ?? ext.toUpperCase());
    if (otherFileNames[ext]) return notAnImage(otherFileNames[ext]);
    if (mime.startsWith("video/")) return notAnImage("a video");
    if (mime.startsWith("audio/")) return notAnImage("an audio file");
    return notAnImage(`a file of another kind (${ext.toUpperCase()})`);
  }

  if (looksLikeText(bytes)) {
    if (text.startsWith("<?xml")) return notAnImage(otherFileNames.xml);
    if (text.startsWith("{") || text.startsWith("[")) return notAnImage("JSON data");
    return notAnImage("text");
  }
  return `the file is not a recognised image (supported formats: ${supportedFormatsText})`;
}

/** The start of a file as lower-case text, without a byte-order mark, leading white space or comments. */
function leadingText(bytes: Buffer, length = 4096): string {
  let text = bytes
    .subarray(0, length)
    .toString("utf8")
    .replace(/^\uFEFF/, "");
  for (;;) {
    const trimmed = text.trimStart();
    if (!trimmed.startsWith("<!--")) return trimmed.toLowerCase();
    const end = trimmed.indexOf("-->");
    if (end === -1) return "";
    text = trimmed.slice(end + 3);
  }
}

function looksLikeText(bytes: Buffer): boolean {
  const sample = bytes.subarray(0, 1024);
  for (const byte of sample) {
    // Control characters other than tab, new line, form feed and carriage return do not occur in text.
    if (byte < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d].includes(byte)) return false;
    if (byte === 0x7f) return false;
  }
  // Bytes above 0x7f must still be UTF-8; a lone byte cut at the sample's end is tolerated.
  const decoded = sample.toString("utf8");
  return (decoded.match(/\uFFFD/g)?.length ?? 0) <= 1;
}
