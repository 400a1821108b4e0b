import { rejectedUpload } from "@/lib/errors";

/**
 * Turns an uploaded file's bytes into text, judging it by its content rather than the content type
 * the browser sent (Excel sends `application/vnd.ms-excel`, some clients nothing at all).
 * UTF-8 (with or without Excel's byte order mark) and UTF-16 with a byte order mark are read as such;
 * other bytes that are not valid UTF-8 are read as Windows-1252, what Excel on Windows writes for "CSV".
 */
export function decodeCsvFile(bytes: Uint8Array): string {
  const binary = describeBinary(bytes);
  if (binary) throw rejectedUpload("unsupported_media_type:csv", binary);

  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

const signatures: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], "a PNG image"],
  [[0xff, 0xd8, 0xff], "a JPEG image"],
  [[0x47, 0x49, 0x46, 0x38], "a GIF image"],
  [[0x25, 0x50, 0x44, 0x46], "a PDF document"],
  [[0x1f, 0x8b], "a gzip archive"],
  [[0xd0, 0xcf, 0x11, 0xe0], "an old Excel workbook (.xls)"],
  [[0x52, 0x49, 0x46, 0x46], "a RIFF file (WebP image or media)"],
  [[0x42, 0x4d], "a BMP image"],
  [[0x49, 0x49, 0x2a, 0x00], "a TIFF image"],
  [[0x4d, 0x4d, 0x00, 0x2a], "a TIFF image"],
];

function describeBinary(bytes: Uint8Array): string | null {
  const startsWith = (signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  if (startsWith([0x50, 0x4b, 0x03, 0x04])) {
    return "This file is an Excel workbook (.xlsx) or a zip archive, not a CSV. In Excel use File → Save As → CSV UTF-8, then upload that file.";
  }
  for (const [signature, what] of signatures) {
    // "BM" is also how a CSV could begin; only trust it with a BMP's header size.
    if (
      startsWith(signature) &&
      !(what === "a BMP image" && !(bytes.length > 26 && bytes[14] >= 12 && bytes[15] === 0))
    ) {
      return `This file is ${what}, not a CSV. Upload a CSV file with the columns S. No., Product Name and Input Image Urls.`;
    }
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return null;
  const head = bytes.subarray(0, 8192);
  let control = 0;
  for (const byte of head) {
    if (byte === 0) return "This file holds binary data, not CSV text. Upload a CSV file (comma-separated text).";
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) control++;
  }
  if (head.length > 0 && control / head.length > 0.05) {
    return "This file holds binary data, not CSV text. Upload a CSV file (comma-separated text).";
  }
  return null;
}
