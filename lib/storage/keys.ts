/**
 * Object keys. Every key starts with the request's files folder (its `filesId`, a random id of its
 * own: these URLs are handed to shops and must not name the request), so two requests never share a
 * key, and an image's key is fixed by its id, so a retried write lands on the same object.
 */

export function uploadedFileName(fileName: string, now = Date.now()): string {
  return `${now}-${safeName(fileName, "products.csv")}`;
}

export function inputCsvKey(filesId: string, uploadedFilename: string): string {
  return `uploads/${filesId}/${uploadedFilename}`;
}

export function outputImageKey(filesId: string, imageId: number, extension: string): string {
  return `images/${filesId}/${imageId}.${extension}`;
}

/** The service's small preview of an input image, shown as "before" on the request page. */
export function thumbnailKey(filesId: string, imageId: number): string {
  return `thumbnails/${filesId}/${imageId}.webp`;
}

/** The service's small preview of an output image, shown as "after" in lists. */
export function outputThumbnailKey(filesId: string, imageId: number): string {
  return `thumbnails/${filesId}/${imageId}-output.webp`;
}

/** The service's copy of an input image at its output's size: the "before" of a full-size compare. */
export function originalPreviewKey(filesId: string, imageId: number, extension: string): string {
  return `thumbnails/${filesId}/${imageId}-original.${extension}`;
}

export function outputCsvKey(filesId: string, fileName: string): string {
  const base = safeName(fileName, "products.csv").replace(/\.csv$/i, "");
  return `outputs/${filesId}/${base}-output.csv`;
}

const KINDS = ["uploads", "images", "thumbnails", "outputs"];

/**
 * Every folder a request's files are kept in: deleting them leaves nothing of it. Requests stored
 * before files had a folder of their own kept them under the request's id.
 */
export function requestFolders({ id, filesId }: { id: string; filesId: string }): string[] {
  const names = filesId === id ? [id] : [filesId, id];
  return names.flatMap((name) => KINDS.map((kind) => `${kind}/${name}`));
}

/**
 * Keys every store accepts: relative, `/`-separated, no empty, `.` or `..` segment, no backslash or
 * NUL. A key that passes names a file inside the local folder, never outside it.
 */
export function isSafeKey(key: string): boolean {
  if (key.length === 0 || key.length > 1024 || key.startsWith("/") || key.includes("\\") || key.includes("\0"))
    return false;
  return key.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** The download name offered to a browser for a request's output CSV. */
export function outputCsvFileName(fileName: string): string {
  return downloadName(fileName, "-output.csv");
}

/** The download name of a request's failures report. */
export function failuresCsvFileName(fileName: string): string {
  return downloadName(fileName, "-failures.csv");
}

/** The download name of the ZIP of a request's compressed images. */
export function imagesZipFileName(fileName: string): string {
  return downloadName(fileName, "-images.zip");
}

function downloadName(fileName: string, suffix: string): string {
  return safeName(fileName, "products.csv").replace(/\.csv$/i, "") + suffix;
}

function safeName(fileName: string, fallback: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .normalize("NFKD")
    .replace(/[^\w.\-]+/g, "_")
    .replace(/^[._]+/, "")
    .slice(-100);
  return cleaned || fallback;
}
