import { rejectedUpload } from "@/lib/errors";

/**
 * Turns an uploaded file's bytes into text as they arrive, judging the file by its content rather
 * than the content type the browser sent (Excel sends `application/vnd.ms-excel`, some clients
 * nothing at all). UTF-8 (with or without Excel's byte order mark) and UTF-16 with a byte order mark
 * are read as such; a file that turns out not to be valid UTF-8 is read as Windows-1252, what Excel
 * on Windows writes for "CSV". That can only be known once a bad byte arrives, so the decoder then
 * hands back the whole text decoded anew from the start (`restart`).
 */
export class CsvTextDecoder {
  /** The bytes seen so far, kept by reference (not copied) for a restart in Windows-1252. */
  private readonly seen: Uint8Array[] = [];
  private held = 0;
  private decoder: TextDecoder | null = null;

  push(bytes: Uint8Array): { text: string; restart: boolean } {
    this.seen.push(bytes);
    if (!this.decoder) {
      this.held += bytes.byteLength;
      // The first 8 KB decide whether this is text at all, and in which encoding.
      if (this.held < BINARY_CHECK_BYTES) return { text: "", restart: false };
      return this.start(false);
    }
    return this.decode(bytes, true);
  }

  end(): { text: string; restart: boolean } {
    if (!this.decoder) return this.start(true);
    return this.decode(new Uint8Array(0), false);
  }

  private start(last: boolean): { text: string; restart: boolean } {
    const head = concat(this.seen);
    const binary = describeBinary(head);
    if (binary) throw rejectedUpload("unsupported_media_type:csv", binary);
    if (head[0] === 0xff && head[1] === 0xfe) this.decoder = new TextDecoder("utf-16le");
    else if (head[0] === 0xfe && head[1] === 0xff) this.decoder = new TextDecoder("utf-16be");
    else this.decoder = new TextDecoder("utf-8", { fatal: true });
    return this.decode(head, !last);
  }

  private decode(bytes: Uint8Array, more: boolean): { text: string; restart: boolean } {
    try {
      return { text: this.decoder!.decode(bytes, { stream: more }), restart: false };
    } catch {
      // Not UTF-8 after all: everything so far is read again as Windows-1252, and so is the rest.
      this.decoder = new TextDecoder("windows-1252");
      return { text: this.decoder.decode(concat(this.seen), { stream: more }), restart: true };
    }
  }
}

const BINARY_CHECK_BYTES = 8192;

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
  const head = bytes.subarray(0, BINARY_CHECK_BYTES);
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

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}
