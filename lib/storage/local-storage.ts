import { createReadStream } from "node:fs";
import { constants } from "node:fs";
import { access, copyFile, link, mkdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { randomUUID } from "node:crypto";
import { lowDiskSpace } from "@/lib/disk-space";
import type { ByteRange, PutBody, PutOptions, Storage, StoredFileInfo, StoredObject } from "./storage";
import { StorageError } from "./storage";
import { contentTypeForKey } from "./content-types";
import { isSafeKey } from "./keys";

/**
 * Files in a local folder, served by the app at `/files/<key>`.
 * Writes go to a temporary file first and are renamed into place, so a crash never leaves half a file.
 */
export class LocalStorage implements Storage {
  readonly name = "local";
  readonly displayName = "storage folder";
  readonly servedByApp = true;
  /**
   * The app serves the files, on its public address: a page opened at another name of the same server
   * (127.0.0.1 against localhost) still shows them.
   */
  readonly fileOrigins: readonly string[];
  readonly linksExpire = false;
  private readonly root: string;

  constructor(
    dir: string,
    private readonly publicBaseUrl: string,
    /** Free space below which `check` calls the folder broken (MIN_FREE_DISK_BYTES); 0 never does. */
    private readonly minFreeBytes = 0,
  ) {
    this.fileOrigins = [new URL(publicBaseUrl).origin];
    this.root = path.resolve(dir);
  }

  async put(key: string, body: PutBody, _options: PutOptions): Promise<void> {
    const file = this.resolve(key);
    const temporary = `${file}.${randomUUID()}.tmp`;
    try {
      // The folder usually exists: create it only when the write says it does not (one file
      // operation less per image on the thread pool that sharp also runs on).
      await writeFile(temporary, body).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(temporary, body);
      });
      await rename(temporary, file);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      throw new StorageError(`Could not write ${key} to the storage folder (STORAGE_DIR): ${describeFsError(error)}`);
    }
  }

  async copy(from: string, to: string): Promise<boolean> {
    const source = this.resolve(from);
    const file = this.resolve(to);
    try {
      // The folder usually exists (a request's images share one): created only when the link says so.
      await this.linkOrCopy(source, file).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
        await mkdir(path.dirname(file), { recursive: true });
        await this.linkOrCopy(source, file);
      });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw new StorageError(`Could not copy ${from} to ${to} in the storage folder: ${describeFsError(error)}`);
    }
  }

  /**
   * A hard link costs no bytes and appears whole at once; stored files are never written in place, so
   * the two names stay apart. Where links are not allowed, a copy is written aside and renamed in.
   */
  private async linkOrCopy(source: string, file: string): Promise<void> {
    try {
      await link(source, file);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if (code === "EEXIST") {
        // A retried copy: the same bytes again.
        await unlink(file);
        return this.linkOrCopy(source, file);
      }
      if (code === "ENOENT") throw error;
      const temporary = `${file}.${randomUUID()}.tmp`;
      try {
        await copyFile(source, temporary);
        await rename(temporary, file);
      } catch (failure) {
        await unlink(temporary).catch(() => {});
        throw failure;
      }
    }
  }

  async get(key: string, { range }: { range?: ByteRange } = {}): Promise<StoredObject | null> {
    const file = this.resolve(key);
    try {
      const info = await stat(file);
      if (!info.isFile()) return null;
      const stream = createReadStream(file, range ? { start: range.start, end: range.end } : {});
      const body = Readable.toWeb(stream) as ReadableStream<Uint8Array>;
      const size = range ? Math.max(0, Math.min(range.end, info.size - 1) - range.start + 1) : info.size;
      return { body, contentType: contentTypeForKey(key), size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new StorageError(`Could not read ${key} from the storage folder: ${describeFsError(error)}`);
    }
  }

  async stat(key: string): Promise<StoredFileInfo | null> {
    const file = this.resolve(key);
    try {
      const info = await stat(file);
      if (!info.isFile()) return null;
      // Files are never written in place: a new version is a new file (inode) renamed over the old,
      // so inode, size and time of the last change name one version of the bytes.
      const etag = `"${[info.ino, info.size, Math.floor(info.mtimeMs)].map((n) => n.toString(36)).join("-")}"`;
      return { contentType: contentTypeForKey(key), size: info.size, lastModified: info.mtime, etag };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new StorageError(`Could not read ${key} from the storage folder: ${describeFsError(error)}`);
    }
  }

  async delete(key: string): Promise<void> {
    await unlink(this.resolve(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw new StorageError(`Could not delete ${key}: ${describeFsError(error)}`);
    });
  }

  async deleteFolder(folder: string): Promise<void> {
    await rm(this.resolve(folder), { recursive: true, force: true }).catch((error: NodeJS.ErrnoException) => {
      throw new StorageError(`Could not delete ${folder}/: ${describeFsError(error)}`);
    });
  }

  async publicUrl(key: string): Promise<string> {
    this.resolve(key); // refuses an unsafe key, as every other method does
    return `${this.publicBaseUrl}/files/${key.split("/").map(encodeURIComponent).join("/")}`;
  }

  async check({ write = false }: { write?: boolean } = {}): Promise<void> {
    if (!write) {
      try {
        if (!(await stat(this.root)).isDirectory()) throw new Error("not a folder");
        await access(this.root, constants.W_OK);
      } catch (error) {
        throw new StorageError(`The storage folder (STORAGE_DIR) is not usable: ${describeFsError(error)}`);
      }
    } else {
      const probe = `.health/${randomUUID()}`;
      try {
        await this.put(probe, "ok", { contentType: "text/plain" });
        await this.delete(probe);
      } catch (error) {
        throw new StorageError(`The storage folder (STORAGE_DIR) is not writable: ${describeFsError(error)}`);
      }
    }
    // A folder that takes a test file today still fails the next upload when its disk is nearly full.
    const lowSpace = await lowDiskSpace(this.root, this.minFreeBytes, "the storage folder (STORAGE_DIR)").catch(
      (error: unknown) => {
        throw new StorageError(`The storage folder (STORAGE_DIR) is not usable: ${describeFsError(error)}`);
      },
    );
    if (lowSpace) throw new StorageError(lowSpace);
  }

  /** Maps a key to a file inside the storage folder; a key that would leave it is refused. */
  resolve(key: string): string {
    if (!isSafeKey(key)) throw new StorageError(`Invalid storage key: ${JSON.stringify(key)}`);
    return path.join(this.root, ...key.split("/"));
  }
}

/** The error's code and kind without the absolute path, which is no business of whoever reads the message. */
function describeFsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ? `${code} (${message.split(",")[0].replace(/^\w+: /, "")})` : message;
}
