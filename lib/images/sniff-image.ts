import { type ImageFormat, supportedFormatsText } from "./image-formats";

/**
 * Tells what a downloaded file is from its first bytes. A server's content-type and a URL's extension
 * are often wrong (a CDN that answers "image/jpeg" with a login page), so neither is consulted.
 */

export type SniffedImage = { format: ImageFormat };

const startsWith = (bytes: Buffer, signature: number[] | string, offset = 0) => {
  const expected = typeof signature === "string" ? Buffer.from(signature, "latin1") : Buffer.from(signature);
  return bytes.length >= offset + expected.length && bytes.subarray(offset, offset + expected.length).equals(expected);
};

/** Major and compatible brands of an ISO base media file (AVIF, HEIC, MP4, MOV), or null. */
function isoBrands(bytes: Buffer): { major: string; all: string[] } | null {
  if (bytes.length < 16 || !startsWith(bytes, "ftyp", 4)) return null;
  const boxSize = Math.min(bytes.readUInt32BE(0), bytes.length, 4096);
  const major = bytes.toString("latin1", 8, 12);
  const all = [major];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) all.push(bytes.toString("latin1", offset, offset + 4));
  return { major, all };
}

const avifBrands = ["avif", "avis"];
const heifBrands = ["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1"];

function isAvif(brands: { major: string; all: string[] }) {
  if (avifBrands.includes(brands.major)) return true;
  // Some encoders write the generic HEIF brand first and list AVIF among the compatible ones.
  return ["mif1", "msf1"].includes(brands.major) && brands.all.some((brand) => avifBrands.includes(brand));
}

export function sniffImage(bytes: Buffer): SniffedImage | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { format: "jpeg" };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { format: "png" };
  if (startsWith(bytes, "GIF87a") || startsWith(bytes, "GIF89a")) return { format: "gif" };
  if (startsWith(bytes, "RIFF") && startsWith(bytes, "WEBP", 8)) return { format: "webp" };
  // Classic and BigTIFF, both byte orders.
  if (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return { format: "tiff" };
  }
  const brands = isoBrands(bytes);
  if (brands && isAvif(brands)) return { format: "avif" };
  if (brands && brands.all.some((brand) => heifBrands.includes(brand))) return { format: "heic" };
  return null;
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

const unsupportedImage = (name: string) => `${name} is not a supported image format (${supportedFormatsText})`;

/** Why a file that `sniffImage` refused is not an image we can process, in words a seller understands. */
export function describeNotAnImage(bytes: Buffer): string {
  if (bytes.length === 0) return "the file is empty (0 bytes)";

  const text = leadingText(bytes);
  if (text.startsWith("<!doctype html") || text.startsWith("<html")) {
    return "the URL returned a web page (HTML), not an image";
  }
  // SVG may carry scripts and external references; it is never rasterised.
  if (
    text.startsWith("<svg") ||
    text.startsWith("<!doctype svg") ||
    (text.startsWith("<?xml") && text.includes("<svg"))
  ) {
    return "SVG images are not supported";
  }
  if (/^<(head|body|meta|title|script|div|p|a|link|style)[\s>/]/.test(text)) {
    return "the URL returned a web page (HTML), not an image";
  }

  if (startsWith(bytes, "%PDF-")) return "the URL returned a PDF document, not an image";
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    return "the URL returned a ZIP archive, not an image";
  }
  if (startsWith(bytes, [0x1f, 0x8b])) return "the URL returned a compressed (gzip) file, not an image";

  if (startsWith(bytes, "BM") && bytes.length >= 26) return unsupportedImage("BMP");
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00]) || startsWith(bytes, [0x00, 0x00, 0x02, 0x00])) {
    return unsupportedImage("ICO");
  }
  if (startsWith(bytes, "8BPS")) return unsupportedImage("Photoshop (PSD)");
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, "JXL ", 4)) return unsupportedImage("JPEG XL");
  if (startsWith(bytes, "jP  ", 4) || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return unsupportedImage("JPEG 2000");

  const brands = isoBrands(bytes);
  if (brands) {
    return "the URL returned a video, not an image";
  }
  if (startsWith(bytes, "RIFF")) return "the URL returned a media file, not an image";

  if (looksLikeText(bytes)) {
    if (text.startsWith("<?xml")) return "the URL returned an XML document, not an image";
    if (text.startsWith("{") || text.startsWith("[")) return "the URL returned JSON data, not an image";
    return "the URL returned text, not an image";
  }
  return `the file is not a recognised image (supported formats: ${supportedFormatsText})`;
}
