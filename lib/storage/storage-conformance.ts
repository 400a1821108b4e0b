import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { outputImageKey } from "./keys";
import { IMMUTABLE_CACHE, type Storage, StorageError } from "./storage";

/**
 * What every store promises the service, as one suite that each store's own test file runs against
 * it (as imgproxy's `storage/testsuite` does): a new kind of store is ready when it passes.
 */
export type StorageSubject = {
  /** The store under test; called inside tests, so it may be opened in a `beforeAll`. */
  storage: () => Storage;
  /** Fetches a `publicUrl` link the way a shop or a browser would: from the store, or from this app. */
  fetchPublic: (url: string) => Promise<Response>;
  /** This app's address (PUBLIC_BASE_URL), where the links of a store the app serves point. */
  appBaseUrl: string;
  /**
   * A store of the same kind that can be neither reached nor written, what its check must say, and
   * what none of its errors may give away (absolute paths, secrets).
   */
  unusable: () => { storage: Storage; says: RegExp; hides: string[] };
};

/** Keys no store accepts: each would leave the local folder, or means something else to a file system. */
const UNSAFE_KEYS = [
  "",
  "/images/a.jpg",
  "../a.jpg",
  "images/../../a.jpg",
  "images//a.jpg",
  "images/./a.jpg",
  "images\\a.jpg",
  "images/a\0.jpg",
];

export function describeStorageConformance(title: string, subject: StorageSubject): void {
  describe(`${title}: what every store promises`, () => {
    const folders: string[] = [];
    /** A folder no other test (or earlier run) writes to; removed when the suite ends. */
    const newFolder = () => {
      const folder = `conformance/${randomUUID()}`;
      folders.push(folder);
      return folder;
    };
    /** A files folder for output images (`images/<id>/…`), whose caching the app's file route knows. */
    const newFilesId = () => {
      const filesId = `conformance-${randomUUID()}`;
      folders.push(`images/${filesId}`);
      return filesId;
    };
    const store = () => subject.storage();

    afterAll(async () => {
      await Promise.all(folders.map((folder) => subject.storage().deleteFolder(folder)));
    });

    it("reads back what was put: the bytes, their content type and size", async () => {
      const key = `${newFolder()}/photo.jpg`;
      const bytes = randomBytes(2048);
      await store().put(key, bytes, { contentType: "image/jpeg" });

      const stored = await store().get(key);
      expect(stored).not.toBeNull();
      expect(stored!.contentType).toBe("image/jpeg");
      expect([null, bytes.length]).toContain(stored!.size);
      expect((await readAll(stored!.body)).equals(bytes)).toBe(true);
    });

    it("stores text as UTF-8", async () => {
      const key = `${newFolder()}/products-output.csv`;
      const csv = "S. No.,Product Name\r\n1,Café ☕ 日本\r\n";
      await store().put(key, csv, { contentType: "text/csv; charset=utf-8" });

      const stored = await store().get(key);
      expect(stored!.contentType).toBe("text/csv; charset=utf-8");
      expect((await readAll(stored!.body)).toString("utf8")).toBe(csv);
    });

    it("stores the chunks an upload arrived in as one object, in their order", async () => {
      const key = `${newFolder()}/products.csv`;
      const chunks = [randomBytes(70_000), Buffer.from("a line\n"), randomBytes(1), randomBytes(200_000)];
      await store().put(key, chunks, { contentType: "text/csv; charset=utf-8" });

      const stored = await store().get(key);
      expect([null, 270_008]).toContain(stored!.size);
      expect((await readAll(stored!.body)).equals(Buffer.concat(chunks))).toBe(true);
    });

    it("answers the object as a stream that arrives in pieces, not one buffer", async () => {
      const key = `${newFolder()}/large.png`;
      const bytes = randomBytes(3 * 1024 * 1024);
      await store().put(key, bytes, { contentType: "image/png" });

      const reader = (await store().get(key))!.body.getReader();
      const pieces: Uint8Array[] = [];
      for (let piece = await reader.read(); !piece.done; piece = await reader.read()) pieces.push(piece.value);
      expect(pieces.length).toBeGreaterThan(1);
      expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
    });

    it("reads one byte range, streamed, without the rest of the object", async () => {
      const key = `${newFolder()}/large.png`;
      const bytes = randomBytes(3 * 1024 * 1024);
      await store().put(key, bytes, { contentType: "image/png" });

      for (const range of [
        // (Not 0-0: the S3 test server answers that one whole.)
        { start: 0, end: 9 },
        { start: 1_000_000, end: 1_000_099 },
        { start: bytes.length - 10, end: bytes.length - 1 },
        { start: 5, end: 2 * 1024 * 1024 },
      ]) {
        const part = await store().get(key, { range });
        expect(part!.size, JSON.stringify(range)).toBe(range.end - range.start + 1);
        const read = await readAll(part!.body);
        expect(read.equals(bytes.subarray(range.start, range.end + 1)), JSON.stringify(range)).toBe(true);
      }
    });

    it("states an object's type, size and validators without reading it", async () => {
      const folder = newFolder();
      const key = `${folder}/photo.jpg`;
      const before = Date.now();
      await store().put(key, randomBytes(1234), { contentType: "image/jpeg" });
      const first = await store().stat(key);
      expect(first).toMatchObject({ contentType: "image/jpeg", size: 1234 });
      expect(first!.etag).toMatch(/^"[^"]+"$/);
      // HTTP dates count whole seconds.
      expect(first!.lastModified.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(first!.lastModified.getTime()).toBeLessThanOrEqual(Date.now() + 1000);

      // The same size again, other bytes: another validator.
      await store().put(key, randomBytes(1234), { contentType: "image/jpeg" });
      expect((await store().stat(key))!.etag).not.toBe(first!.etag);
      expect(await store().stat(`${folder}/missing.jpg`)).toBeNull();
      expect(await store().stat(folder)).toBeNull();
    });

    it("replaces an object written to the same key again", async () => {
      const key = `${newFolder()}/7.webp`;
      await store().put(key, randomBytes(4096), { contentType: "image/webp" });
      const second = randomBytes(1000);
      await store().put(key, second, { contentType: "image/webp" });

      expect((await readAll((await store().get(key))!.body)).equals(second)).toBe(true);
    });

    it("answers null for a key that holds nothing, and for a folder", async () => {
      const folder = newFolder();
      await store().put(`${folder}/a/b.jpg`, "x", { contentType: "image/jpeg" });

      expect(await store().get(`${folder}/missing.jpg`)).toBeNull();
      expect(await store().get(`${folder}/a`)).toBeNull();
    });

    it("serves an output image at its public URL with its content type and caching", async () => {
      const key = outputImageKey(newFilesId(), 1, "webp");
      const bytes = randomBytes(1500);
      await store().put(key, bytes, { contentType: "image/webp", cacheControl: IMMUTABLE_CACHE });

      const response = await subject.fetchPublic(await store().publicUrl(key));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/webp");
      expect(response.headers.get("cache-control")).toBe(IMMUTABLE_CACHE);
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    });

    it("gives links that the pages may show images from, the same link each time unless links expire", async () => {
      const key = `${newFolder()}/1.jpg`;
      const url = new URL(await store().publicUrl(key));
      expect(["http:", "https:"]).toContain(url.protocol);
      if (store().servedByApp) expect(url.href.startsWith(`${subject.appBaseUrl}/files/`)).toBe(true);
      // The pages' Content-Security-Policy lets images load from these origins only (and the app's own).
      expect(store().fileOrigins).toContain(url.origin);
      if (!store().linksExpire) expect(await store().publicUrl(key)).toBe(url.href);
    });

    it("says what it is: a name for health and the logs, and words for sellers", () => {
      expect(store().name).toMatch(/^[a-z0-9-]+$/);
      expect(store().displayName.trim()).not.toBe("");
    });

    it("keeps keys with characters that need escaping apart, and serves and copies them", async () => {
      const folder = newFolder();
      const key = `${folder}/a b+c%20d&e=f?g#h ä'(1).jpg`;
      // What the key would become if a `+` or `%20` were read as a space, or the URL cut at `?`.
      const neighbours = [`${folder}/a b c d&e=f?g#h ä'(1).jpg`, `${folder}/a b+c%20d&e=f`];
      const bytes = randomBytes(700);
      await store().put(key, bytes, { contentType: "image/jpeg" });
      for (const neighbour of neighbours) await store().put(neighbour, randomBytes(10), { contentType: "image/jpeg" });

      expect((await readAll((await store().get(key))!.body)).equals(bytes)).toBe(true);
      const response = await subject.fetchPublic(await store().publicUrl(key));
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      await store().delete(key);
      expect(await store().get(key)).toBeNull();
      for (const neighbour of neighbours) expect(await store().get(neighbour), neighbour).not.toBeNull();

      // No `?`, `#` or `+` here: s3rver reads a copy's source with decodeURI, which leaves `%3F` as it is.
      const from = `${folder}/ä 100% (1).jpg`;
      const to = `${folder}/copy of ä 100% (1).jpg`;
      await store().put(from, bytes, { contentType: "image/jpeg" });
      expect(await store().copy(from, to)).toBe(true);
      expect((await readAll((await store().get(to))!.body)).equals(bytes)).toBe(true);
    });

    it("copies an object to a key of its own, with its content type and caching, that outlives the source", async () => {
      const from = outputImageKey(newFilesId(), 1, "png");
      const to = outputImageKey(newFilesId(), 2, "png");
      const bytes = randomBytes(3000);
      await store().put(from, bytes, { contentType: "image/png", cacheControl: IMMUTABLE_CACHE });

      expect(await store().copy(from, to)).toBe(true);
      const copied = await store().get(to);
      expect(copied!.contentType).toBe("image/png");
      expect((await readAll(copied!.body)).equals(bytes)).toBe(true);
      expect((await subject.fetchPublic(await store().publicUrl(to))).headers.get("cache-control")).toBe(
        IMMUTABLE_CACHE,
      );

      // Each request owns its files: deleting or rewriting the source leaves the copy as it was.
      await store().put(from, randomBytes(10), { contentType: "image/png" });
      expect((await readAll((await store().get(to))!.body)).equals(bytes)).toBe(true);
      await store().delete(from);
      expect((await readAll((await store().get(to))!.body)).equals(bytes)).toBe(true);
    });

    it("copies onto a key that already holds an object (a retried copy)", async () => {
      const folder = newFolder();
      const bytes = randomBytes(500);
      await store().put(`${folder}/from.jpg`, bytes, { contentType: "image/jpeg" });
      await store().put(`${folder}/to.jpg`, randomBytes(20), { contentType: "image/jpeg" });

      expect(await store().copy(`${folder}/from.jpg`, `${folder}/to.jpg`)).toBe(true);
      expect(await store().copy(`${folder}/from.jpg`, `${folder}/to.jpg`)).toBe(true);
      expect((await readAll((await store().get(`${folder}/to.jpg`))!.body)).equals(bytes)).toBe(true);
    });

    it("answers false for a copy whose source is missing, and makes nothing", async () => {
      const folder = newFolder();
      expect(await store().copy(`${folder}/gone.jpg`, `${folder}/new/1.jpg`)).toBe(false);
      expect(await store().get(`${folder}/new/1.jpg`)).toBeNull();
    });

    it("deletes an object; deleting one that is not there is no error", async () => {
      const key = `${newFolder()}/1.gif`;
      await store().put(key, randomBytes(100), { contentType: "image/gif" });

      await store().delete(key);
      expect(await store().get(key)).toBeNull();
      await expect(store().delete(key)).resolves.toBeUndefined();
    });

    it("deletes a folder with every object under it, and keeps its neighbours", async () => {
      const folder = newFolder();
      const inside = [`${folder}/request/1.jpg`, `${folder}/request/nested/2.jpg`, `${folder}/request/3.csv`];
      const outside = [`${folder}/request-2/1.jpg`, `${folder}/requests/1.jpg`, `${folder}/request.jpg`];
      for (const key of [...inside, ...outside]) {
        await store().put(key, randomBytes(64), { contentType: key.endsWith(".csv") ? "text/csv" : "image/jpeg" });
      }

      await store().deleteFolder(`${folder}/request`);
      for (const key of inside) expect(await store().get(key), key).toBeNull();
      for (const key of outside) expect(await store().get(key), key).not.toBeNull();
    });

    it("deletes an empty or missing folder without error", async () => {
      await expect(store().deleteFolder(`${newFolder()}/never-written`)).resolves.toBeUndefined();
    });

    it("refuses, with a StorageError, every key that would leave the store", async () => {
      const good = `${newFolder()}/1.jpg`;
      await store().put(good, "x", { contentType: "image/jpeg" });
      for (const key of UNSAFE_KEYS) {
        const attempts = {
          put: () => store().put(key, "x", { contentType: "image/jpeg" }),
          get: () => store().get(key),
          stat: () => store().stat(key),
          delete: () => store().delete(key),
          deleteFolder: () => store().deleteFolder(key),
          "copy from": () => store().copy(key, good),
          "copy to": () => store().copy(good, key),
          publicUrl: () => store().publicUrl(key),
        };
        for (const [operation, attempt] of Object.entries(attempts)) {
          const outcome = await attempt().then(
            () => "done",
            (error: unknown) => error,
          );
          expect(outcome, `${operation} ${JSON.stringify(key)}`).toBeInstanceOf(StorageError);
        }
      }
      expect(await store().get(good)).not.toBeNull();
    });

    it("passes its check, reading only or with a test write", async () => {
      await expect(store().check()).resolves.toBeUndefined();
      await expect(store().check({ write: true })).resolves.toBeUndefined();
    });

    it("fails the check of a store it can neither reach nor write, saying why and naming no path or secret", async () => {
      const { storage, says, hides } = subject.unusable();
      for (const write of [false, true]) {
        const error = await storage.check({ write }).catch((failure: unknown) => failure);
        expect(error, `check({ write: ${write} })`).toBeInstanceOf(StorageError);
        expect((error as Error).message).toMatch(says);
        for (const secret of hides) expect((error as Error).message).not.toContain(secret);
      }
    });

    it("fails reads, writes and copies on such a store with a StorageError that names no path or secret", async () => {
      const { storage, hides } = subject.unusable();
      const attempts = {
        put: () => storage.put("images/r/1.jpg", randomBytes(100), { contentType: "image/jpeg" }),
        get: () => storage.get("images/r/1.jpg"),
        stat: () => storage.stat("images/r/1.jpg"),
        copy: () => storage.copy("images/r/1.jpg", "images/s/1.jpg"),
      };
      for (const [operation, attempt] of Object.entries(attempts)) {
        const error = await attempt().then(
          () => "done",
          (failure: unknown) => failure,
        );
        expect(error, operation).toBeInstanceOf(StorageError);
        for (const secret of hides) expect((error as Error).message, operation).not.toContain(secret);
      }
    });
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}
