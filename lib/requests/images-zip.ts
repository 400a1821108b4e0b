import "server-only";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { ZipFile } from "yazl";
import type { ProductImage } from "@/db/product-images";
import type { RequestRow } from "@/db/schema";
import type { Client } from "@/lib/auth/identify-client";
import { logger } from "@/lib/logger";
import { getStorage } from "@/lib/storage/get-storage";
import { imagesZipFileName } from "@/lib/storage/keys";
import type { Storage } from "@/lib/storage/storage";
import { findFinishedRequest } from "./finished-request";
import { productImagePages } from "./product-image-pages";

/**
 * Stored objects opened ahead of the one being written: enough to hide a store's latency (an S3
 * GET), few enough that open files and connections stay a handful, whatever the request's size.
 */
const OPEN_AHEAD = 8;

/**
 * The ZIP of a finished request's compressed images, streamed: one entry per place an image holds in
 * the seller's file, named `<row>-<product name as a slug>-<n>.<ext>` (n: the URL's place in its row),
 * so an image used in two rows is in the archive twice, once under each. Entries are stored, not
 * deflated: the images are compressed already and would not shrink.
 */
export async function openImagesZip(
  client: Client,
  requestId: string,
): Promise<{ fileName: string; body: ReadableStream<Uint8Array> }> {
  const request = await findFinishedRequest(client, requestId, "the images ZIP");
  return { fileName: imagesZipFileName(request.fileName), body: streamImagesZip(request, await getStorage()) };
}

/** `12-blue-shirt-2.jpg`: row 12's second image, of the product "Blue shirt". */
export function zipEntryName(image: Pick<ProductImage, "rowNumber" | "productName" | "placeInRow" | "outputKey">) {
  const extension = /\.(\w+)$/.exec(image.outputKey ?? "")?.[1] ?? "bin";
  return `${image.rowNumber}-${slug(image.productName)}-${image.placeInRow}.${extension}`;
}

/** Lower-case ASCII letters and digits joined by dashes; accents dropped (`Crème brûlée` → `creme-brulee`). */
export function slug(name: string): string {
  const words = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  // Long enough to tell products apart, short enough for every unzip tool's path limits.
  return words.slice(0, 60).replace(/-+$/, "") || "product";
}

/**
 * The archive is written as the client reads it: images are opened a few at a time, a page of the
 * request's rows is read from the database only when the entries before it are written, and a client
 * that goes away stops all of it (the open objects are closed, nothing more is read).
 */
function streamImagesZip(request: RequestRow, storage: Storage): ReadableStream<Uint8Array> {
  const zip = new ZipFile();
  const mtime = request.completedAt ?? request.createdAt;
  const places = eachPlace(request.processedImages > 0 ? productImagePages(request, "completed") : null);
  /** Objects opened for entries the archive has not reached yet. */
  const openedAhead = new Set<ReadableStream<Uint8Array>>();
  let writing: Readable | null = null;
  let stopped = false;
  let filling = false;
  let failWith: (error: unknown) => void = () => {};

  const stop = () => {
    stopped = true;
    for (const body of openedAhead) void body.cancel().catch(() => {});
    openedAhead.clear();
    writing?.destroy();
    void places.return(undefined);
  };

  // Adds entries until OPEN_AHEAD are waiting; each entry the archive reaches makes room for one more.
  const fill = async () => {
    if (filling || stopped) return;
    filling = true;
    try {
      while (!stopped && openedAhead.size < OPEN_AHEAD) {
        const next = await places.next();
        if (stopped) return;
        if (next.done) {
          zip.end();
          return;
        }
        const place = next.value;
        const object = place.outputKey ? await storage.get(place.outputKey) : null;
        if (stopped) {
          void object?.body.cancel().catch(() => {});
          return;
        }
        if (!object) {
          // Gone from the store since it was made: the archive goes on without it.
          logger.warn({ requestId: request.id, key: place.outputKey }, "an output image is missing from storage");
          continue;
        }
        openedAhead.add(object.body);
        // yazl keeps every entry, and this function with it, until the archive ends (for its central
        // directory): the function lets go of the stream once it is handed over.
        let body: ReadableStream<Uint8Array> | null = object.body;
        zip.addReadStreamLazy(zipEntryName(place), { compress: false, mtime }, (callback) => {
          if (!body) return;
          openedAhead.delete(body);
          writing = Readable.fromWeb(body as NodeWebReadableStream<Uint8Array>);
          body = null;
          writing.on("error", (error) => failWith(error));
          callback(null, writing);
          void fill();
        });
      }
    } catch (error) {
      failWith(error);
    } finally {
      filling = false;
    }
  };

  const output = zip.outputStream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      failWith = (error) => {
        if (stopped) return;
        logger.error({ err: error, requestId: request.id }, "the images ZIP could not be written");
        stop();
        controller.error(new Error("The images ZIP could not be written; please try again."));
      };
      zip.on("error", (error: unknown) => failWith(error));
      void fill();
    },
    async pull(controller) {
      const next = await output.next();
      if (next.done) controller.close();
      else controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
    },
    cancel() {
      stop();
      (zip.outputStream as Readable).destroy();
    },
  });
}

async function* eachPlace(pages: AsyncGenerator<ProductImage[]> | null): AsyncGenerator<ProductImage> {
  if (!pages) return;
  for await (const page of pages) yield* page;
}
