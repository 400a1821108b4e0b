/**
 * Where the service keeps files: uploaded CSVs, output images and output CSVs.
 * One interface, two homes: a local folder (default) and S3 or any S3-compatible store.
 */

export type PutOptions = {
  contentType: string;
  /** Kept with the object by a store that serves it (S3); the app's file route sets its own. */
  cacheControl?: string;
};

/** A whole object, or the chunks an upload arrived in (stored as one object, never joined in memory). */
export type PutBody = Buffer | string | readonly Buffer[];

export type StoredObject = {
  body: ReadableStream<Uint8Array>;
  /** The type it was put with; a store that keeps none (the local folder) reads it from the key's extension. */
  contentType: string;
  size: number | null;
};

/** What a store knows of an object without reading it: enough to answer conditional and range requests. */
export type StoredFileInfo = {
  contentType: string;
  size: number;
  lastModified: Date;
  /** A strong validator (RFC 9110 §8.8.3), quoted: it changes whenever the bytes may have. */
  etag: string;
};

/** Bytes `start` to `end` of an object, both included, as HTTP's `Range` counts them. */
export type ByteRange = { start: number; end: number };

/**
 * What the rest of the service knows of a store: these methods and what it says of itself below.
 * Nothing outside `lib/storage` asks which kind of store it is.
 */
export interface Storage {
  /** What health and the logs call it (`local`, `s3`): a label, never something to branch on. */
  readonly name: string;
  /** The store in a seller's words, for messages about it: "could not be stored (S3 unavailable)". */
  readonly displayName: string;
  /** True when this app serves the files itself (`/files/<key>`); false when `publicUrl` points at the store. */
  readonly servedByApp: boolean;
  /**
   * Origins other than this app's that `publicUrl` links point at: the pages' Content-Security-Policy
   * lets images load from them. Known from the settings: asking costs no request.
   */
  readonly fileOrigins: readonly string[];
  /** True when `publicUrl` gives links that expire (presigned), so stored copies of them go stale. */
  readonly linksExpire: boolean;
  /**
   * Writes the whole object; writing the same key again replaces it. Keys end in their content's
   * extension, and every method refuses a key `isSafeKey` refuses with a StorageError.
   */
  put(key: string, body: PutBody, options: PutOptions): Promise<void>;
  /**
   * Null when there is no such object. With `range` (within the object's size), the body holds only
   * those bytes, read from the store as they are sent, and `size` is their count.
   */
  get(key: string, options?: { range?: ByteRange }): Promise<StoredObject | null>;
  /** The object's type, size and validators without reading it; null when there is no such object. */
  stat(key: string): Promise<StoredFileInfo | null>;
  /** Removes an object; removing one that does not exist is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Makes `to` a copy of `from` with its content type and caching (a hard link on disk, CopyObject on
   * S3): each request owns its files, even when one was made from another's. False when `from` does
   * not exist (any more).
   */
  copy(from: string, to: string): Promise<boolean>;
  /** Removes every object under `folder/` (a request's images, say); an empty folder is not an error. */
  deleteFolder(folder: string): Promise<void>;
  /** The absolute URL a seller's shop or browser can fetch the object from. */
  publicUrl(key: string): Promise<string>;
  /**
   * Throws a StorageError saying what is wrong when the store cannot be reached or written. With
   * `write` (start-up) a test object is written and removed; without it (health checks, called often)
   * nothing is written: the store is asked whether it exists and lets the service write.
   */
  check(options?: { write?: boolean }): Promise<void>;
}

export class StorageError extends Error {
  override name = "StorageError";
}

/** Output images never change under their key, so browsers and CDNs may keep them for a year. */
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";
