/**
 * Object keys. Every key starts with the request's id, so two requests never share a key,
 * and an image's key is fixed by its id, so a retried write lands on the same object.
 */

export function uploadedFileName(fileName: string, now = Date.now()): string {
  return `${now}-${safeName(fileName, "products.csv")}`;
}

export function inputCsvKey(requestId: string, uploadedFilename: string): string {
  return `uploads/${requestId}/${uploadedFilename}`;
}

export function outputImageKey(requestId: string, imageId: number, extension: string): string {
  return `images/${requestId}/${imageId}.${extension}`;
}

/** The service's small preview of an input image, shown as "before" on the request page. */
export function thumbnailKey(requestId: string, imageId: number): string {
  return `thumbnails/${requestId}/${imageId}.webp`;
}

export function outputCsvKey(requestId: string, fileName: string): string {
  const base = safeName(fileName, "products.csv").replace(/\.csv$/i, "");
  return `outputs/${requestId}/${base}-output.csv`;
}

/** Every folder a request's files are kept in: deleting them leaves nothing of it. */
export function requestFolders(requestId: string): string[] {
  return ["uploads", "images", "thumbnails", "outputs"].map((kind) => `${kind}/${requestId}`);
}

/** The download name offered to a browser for a request's output CSV. */
export function outputCsvFileName(fileName: string): string {
  return safeName(fileName, "products.csv").replace(/\.csv$/i, "") + "-output.csv";
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
