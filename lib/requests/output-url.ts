import "server-only";
import type { ImageRow } from "@/db/schema";
import type { Storage } from "@/lib/storage/storage";

/** Where a seller fetches an image's compressed copy: only a completed image has one. */
export function outputUrlOf(image: ImageRow | undefined, storage: Storage): Promise<string | null> {
  return image?.status === "completed" && image.outputKey ? storage.publicUrl(image.outputKey) : Promise.resolve(null);
}

/** The service's preview of the original: a storage URL, never the uploader's. */
export function thumbnailUrlOf(image: ImageRow | undefined, storage: Storage): Promise<string | null> {
  return image?.thumbnailKey ? storage.publicUrl(image.thumbnailKey) : Promise.resolve(null);
}

/** The service's small preview of the output, for lists: a completed image's only. */
export function outputThumbnailUrlOf(image: ImageRow | undefined, storage: Storage): Promise<string | null> {
  return image?.status === "completed" && image.outputThumbnailKey
    ? storage.publicUrl(image.outputThumbnailKey)
    : Promise.resolve(null);
}

/** The "before" of a full-size compare: the original without its metadata, or a copy at the output's size. */
export function originalPreviewUrlOf(image: ImageRow | undefined, storage: Storage): Promise<string | null> {
  return image?.status === "completed" && image.originalPreviewKey
    ? storage.publicUrl(image.originalPreviewKey)
    : Promise.resolve(null);
}
