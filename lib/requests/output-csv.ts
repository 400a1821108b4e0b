import "server-only";
import { findImagesByPosition } from "@/db/images";
import { findRequest } from "@/db/requests";
import type { RequestRow } from "@/db/schema";
import { CsvTextDecoder } from "@/lib/csv/decode-csv-file";
import { outputCsvText, type OutputUrls } from "@/lib/csv/output-csv-text";
import { getStorage } from "@/lib/storage/get-storage";
import type { Storage } from "@/lib/storage/storage";
import { outputUrlOf } from "./output-url";

const PAGE = 1000;

/**
 * The output CSV of a request, written from its uploaded CSV (see `outputCsvText` for what each layout
 * gets): the stored file is read, its image URLs looked up in the request's images, and the text
 * written a slice at a time. Memory is bounded by the upload limits: the file (MAX_CSV_BYTES) and one
 * entry per distinct image (MAX_IMAGES_PER_REQUEST).
 */
export async function writeOutputCsv(request: RequestRow): Promise<Buffer[]> {
  const storage = await getStorage();
  const input = await readStoredCsv(storage, request.inputCsvKey);
  const outputUrls = await outputUrlsOf(request, storage);
  const chunks: Buffer[] = [];
  for await (const text of outputCsvText(input, request.csvLayout, outputUrls))
    if (text) chunks.push(Buffer.from(text, "utf8"));
  return chunks;
}

/** The output CSV as one text (the download when no stored copy can be used, tests). */
export async function buildOutputCsv(requestId: string): Promise<string> {
  const request = await findRequest(requestId);
  if (!request) throw new Error(`No request ${requestId}.`);
  return Buffer.concat(await writeOutputCsv(request)).toString("utf8");
}

/** Each distinct input URL of the request and its output's URL, a page of images at a time. */
async function outputUrlsOf(request: RequestRow, storage: Storage): Promise<OutputUrls> {
  const urls = new Map<string, string | null>();
  for (let start = 0; start < request.totalImages; start += PAGE) {
    const positions = Array.from({ length: Math.min(PAGE, request.totalImages - start) }, (_, i) => start + i);
    const images = await findImagesByPosition({ requestId: request.id, positions });
    for (const image of images.values()) urls.set(image.url, await outputUrlOf(image, storage));
  }
  return urls;
}

async function readStoredCsv(storage: Storage, key: string): Promise<string> {
  const stored = await storage.get(key);
  if (!stored) throw new Error(`The uploaded CSV ${key} is no longer in storage.`);
  const decoder = new CsvTextDecoder();
  let text = "";
  let head: Uint8Array | null = null;
  const reader = stored.body.getReader();
  for (let piece = await reader.read(); !piece.done; piece = await reader.read()) {
    head ??= piece.value;
    const { text: more, restart } = decoder.push(piece.value);
    text = restart ? more : text + more;
  }
  const { text: rest, restart } = decoder.end();
  text = restart ? rest : text + rest;
  // The decoder drops a byte order mark; a file that had one (Excel, WooCommerce) gets it back.
  return head && hasByteOrderMark(head) ? `\uFEFF${text}` : text;
}

function hasByteOrderMark(bytes: Uint8Array): boolean {
  return (
    (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) ||
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff)
  );
}
