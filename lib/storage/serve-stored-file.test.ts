import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as filesRoute } from "@/app/files/[...key]/route";
import { errorResponse } from "@/lib/http";
import { type LocalS3Server, startS3Server } from "@/test/s3-server";
import { getStorage } from "./get-storage";
import { outputImageKey } from "./keys";
import { S3Storage } from "./s3-storage";
import { serveStoredFile } from "./serve-stored-file";
import type { Storage } from "./storage";

/**
 * Stored files answer as downloaders and caches expect: validators, 304s, one byte range (206),
 * 416 past the end, and `If-Range`. The local folder is asked through the app's own file route;
 * an S3 bucket through the same answer the route gives (`serveStoredFile`).
 */

const ORIGIN = "http://127.0.0.1:3999";
const bytes = randomBytes(300_000);

let s3: LocalS3Server;
let bucket: S3Storage;

beforeAll(async () => {
  s3 = await startS3Server({ bucket: "ranges" });
  bucket = new S3Storage(
    { bucket: s3.bucket, region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true, presignSeconds: 0 },
    { credentials: s3.credentials },
  );
});

afterAll(async () => {
  bucket?.destroy();
  await s3?.stop();
});

type Get = (headers?: Record<string, string>) => Promise<Response>;

const stores: [string, () => Promise<{ storage: Storage; get: (key: string) => Get }>][] = [
  [
    "the local folder, through /files",
    async () => ({
      storage: await getStorage(),
      get:
        (key) =>
        (headers = {}) =>
          filesRoute(new Request(`${ORIGIN}/files/${key}`, { headers }), {
            params: Promise.resolve({ key: key.split("/") }),
          }),
    }),
  ],
  [
    "an S3 bucket",
    async () => ({
      storage: bucket,
      // As the route answers what it throws.
      get:
        (key) =>
        (headers = {}) =>
          serveStoredFile(new Request(`${ORIGIN}/x`, { headers }), bucket, key, {}).catch((error: unknown) =>
            errorResponse(error, "files"),
          ),
    }),
  ],
];

for (const [title, open] of stores) {
  describe(`stored files on ${title}`, () => {
    let get: Get;
    let storage: Storage;
    const filesId = `ranges-${randomUUID()}`;

    beforeAll(async () => {
      const opened = await open();
      storage = opened.storage;
      const key = outputImageKey(filesId, 1, "jpg");
      await storage.put(key, bytes, { contentType: "image/jpeg" });
      get = opened.get(key);
    });

    afterAll(() => storage.deleteFolder(`images/${filesId}`));

    it("carries ETag, Last-Modified and Accept-Ranges, and the whole file", async () => {
      const whole = await get();
      expect(whole.status).toBe(200);
      expect(whole.headers.get("etag")).toMatch(/^"[^"]+"$/);
      expect(new Date(whole.headers.get("last-modified")!).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(whole.headers.get("accept-ranges")).toBe("bytes");
      expect(whole.headers.get("content-length")).toBe(String(bytes.length));
      expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    });

    it("answers If-Modified-Since: 304 when unchanged, 200 when changed since", async () => {
      const lastModified = (await get()).headers.get("last-modified")!;
      const unchanged = await get({ "if-modified-since": lastModified });
      expect(unchanged.status).toBe(304);
      expect(await unchanged.text()).toBe("");
      const later = new Date(Date.parse(lastModified) + 3_600_000).toUTCString();
      expect((await get({ "if-modified-since": later })).status).toBe(304);
      const earlier = new Date(Date.parse(lastModified) - 3_600_000).toUTCString();
      expect((await get({ "if-modified-since": earlier })).status).toBe(200);
      // If-None-Match decides when both are sent (RFC 9110 §13.2.2).
      expect((await get({ "if-modified-since": later, "if-none-match": '"other"' })).status).toBe(200);
      expect((await get({ "if-modified-since": "not a date" })).status).toBe(200);
    });

    it("answers one byte range with 206 and Content-Range", async () => {
      for (const [range, start, end] of [
        ["bytes=0-99", 0, 99],
        ["bytes=1000-", 1000, bytes.length - 1],
        ["bytes=-500", bytes.length - 500, bytes.length - 1],
        ["bytes=299000-999999", 299_000, bytes.length - 1],
      ] as const) {
        const part = await get({ range });
        expect(part.status, range).toBe(206);
        expect(part.headers.get("content-range"), range).toBe(`bytes ${start}-${end}/${bytes.length}`);
        expect(part.headers.get("content-length"), range).toBe(String(end - start + 1));
        expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(start, end + 1)), range).toBe(true);
      }
    });

    it("answers 416 for a range past the end, and the whole file for one it does not serve", async () => {
      const past = await get({ range: `bytes=${bytes.length}-` });
      expect(past.status).toBe(416);
      expect(past.headers.get("content-range")).toBe(`bytes */${bytes.length}`);
      expect(past.headers.get("content-type")).toBe("application/problem+json");
      expect(await past.json()).toMatchObject({ code: "range_not_satisfiable:file", status: 416 });
      // Several ranges, another unit, nonsense: the whole file, as RFC 9110 allows.
      for (const range of ["bytes=0-1,5-6", "items=0-1", "bytes=9-2", "bytes=x"]) {
        const whole = await get({ range });
        expect(whole.status, range).toBe(200);
        expect(whole.headers.get("content-length"), range).toBe(String(bytes.length));
        await whole.body?.cancel();
      }
    });

    it("honours the range only while If-Range names the current file", async () => {
      const current = await get();
      const etag = current.headers.get("etag")!;
      const lastModified = current.headers.get("last-modified")!;
      await current.body?.cancel();
      for (const ifRange of [etag, lastModified]) {
        const part = await get({ range: "bytes=10-19", "if-range": ifRange });
        expect(part.status, ifRange).toBe(206);
        expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(10, 20))).toBe(true);
      }
      const older = new Date(Date.parse(lastModified) - 3_600_000).toUTCString();
      for (const ifRange of ['"another-version"', `W/${etag}`, older]) {
        const whole = await get({ range: "bytes=10-19", "if-range": ifRange });
        expect(whole.status, ifRange).toBe(200);
        expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
      }
    });

    it("answers 404 for a file that is not there", async () => {
      const missing = await open().then(({ get: at }) => at(outputImageKey(filesId, 99, "jpg"))());
      expect(missing.status).toBe(404);
    });
  });
}
