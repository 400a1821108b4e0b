import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ImageServer, type Route, serveBytes, startImageServer } from "@/test/image-server";
import { cutoutPng, photoJpeg } from "@/test/sample-images";
import type { RequestStatus } from "@/lib/contract";
import { IMMUTABLE_CACHE } from "./storage";
import { type LocalS3Server, startS3Server } from "@/test/s3-server";
import { readCsv } from "@/test/read-csv";
import { serviceOnS3Server } from "@/test/s3-service-settings";
import { PRODUCT_CSV_HEADER, productCsv } from "@/test/product-csv";

/**
 * The whole service on S3 storage: upload → process → download against a local s3rver, and what the
 * user sees when the store goes down in the middle of a request or before an upload.
 *
 * `lib/config` reads the environment once, at import, so everything that reaches it is imported only
 * after the environment points at s3rver. Each test file runs in its own worker process (pool "forks",
 * isolate on), so no other file's storage, database or runner cached on globalThis is visible here.
 */

let s3: LocalS3Server;
let images: ImageServer;
// A plain client for looking at what the bucket really holds.
let inspector: S3Client;
let api: typeof import("@/test/api");
let filesIdOf: typeof import("@/test/db").filesIdOf;
let healthRoute: typeof import("@/app/api/health/route");
let jpeg: Buffer;
let png: Buffer;

beforeAll(async () => {
  [s3, images, jpeg, png] = await Promise.all([
    startS3Server({ bucket: "shop-images" }),
    startImageServer(),
    photoJpeg(),
    cutoutPng(),
  ]);

  serviceOnS3Server(s3);

  const { config } = await import("@/lib/config");
  expect(config.storage).toMatchObject({ kind: "s3", bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true });
  api = await import("@/test/api");
  ({ filesIdOf } = await import("@/test/db"));
  healthRoute = await import("@/app/api/health/route");
  const { getStorage } = await import("./get-storage");
  expect((await getStorage()).name).toBe("s3");

  inspector = new S3Client({
    region: "us-east-1",
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  images.route("/a.jpg", serveBytes(jpeg, "image/jpeg"));
  images.route("/b.png", serveBytes(png, "image/png"));
  images.route("/c.jpg", serveBytes(await photoJpeg(200, 300), "image/jpeg"));
}, 60_000);

afterAll(async () => {
  // Let background work end before its store and image host go away.
  if (api) await (await import("@/lib/jobs/inline-runner")).getInlineRunner().idle();
  inspector?.destroy();
  await Promise.all([s3?.stop(), images?.close()]);
  vi.unstubAllEnvs();
});

// The projects in vitest.config.ts do not inherit the root's testTimeout; the first upload also migrates PGlite.
describe("the service on S3 storage", { timeout: 60_000 }, () => {
  it("stores the uploaded CSV, the compressed images and the output CSV in the bucket", async () => {
    expect((await healthRoute.GET()).status).toBe(200);

    const csv =
      [
        PRODUCT_CSV_HEADER,
        `1,SKU1,"${images.url("/a.jpg")}, ${images.url("/b.png")}"`,
        `2,SKU2,${images.url("/c.jpg")}`,
      ].join("\n") + "\n";
    const response = await api.uploadCsv(csv, { fileName: "catalogue.csv" });
    expect(response.status).toBe(202);
    const accepted = await response.json();
    const { requestId } = accepted;
    const folder = await filesIdOf(requestId);
    const { uploadedFilename, location } = accepted.uploadedToS3;
    expect(uploadedFilename).toMatch(/^\d+-catalogue\.csv$/);
    expect(location).toBe(`${s3.endpoint}/${s3.bucket}/uploads/${folder}/${uploadedFilename}`);

    // The uploaded CSV, byte for byte, at the location the upload answered with.
    const uploaded = await fetch(location);
    expect(uploaded.status).toBe(200);
    expect(Buffer.from(await uploaded.arrayBuffer()).equals(Buffer.from(csv))).toBe(true);
    expect((await head(`uploads/${folder}/${uploadedFilename}`))?.ContentType).toBe("text/csv; charset=utf-8");

    const status = await api.settle(requestId);
    expect(status.status).toBe("completed");
    expect(status.progress).toEqual({
      totalImages: 3,
      processedImages: 3,
      failedImages: 0,
      cancelledImages: 0,
      reusedImages: 0,
      percent: 100,
    });

    const output = await api.download(requestId);
    expect(output.status).toBe(200);
    const outputText = await output.text();
    const rows = readCsv(outputText);
    expect(rows.map((row) => row.slice(0, 2))).toEqual([
      ["S. No.", "Product Name"],
      ["1", "SKU1"],
      ["2", "SKU2"],
    ]);
    const urls = rows.slice(1).map((row) => row[3].split(", "));
    expect(urls.map((each) => each.length)).toEqual([2, 1]);
    // The status API names the same objects as the output CSV.
    expect(status.products.flatMap((product) => product.images.map((image) => image.outputUrl))).toEqual(urls.flat());

    const originals: [Buffer, string, string][] = [
      [jpeg, urls[0][0], "image/jpeg"],
      [png, urls[0][1], "image/png"],
    ];
    for (const [original, url, contentType] of originals) {
      expect(url.startsWith(`${s3.endpoint}/${s3.bucket}/images/${folder}/`)).toBe(true);
      const stored = await head(keyOf(url));
      expect(stored?.ContentType).toBe(contentType);
      expect(stored?.CacheControl).toBe(IMMUTABLE_CACHE);

      // Fetched as a seller's shop would: plain HTTP GET of the output URL.
      const served = await fetch(url);
      expect(served.status).toBe(200);
      expect(served.headers.get("content-type")).toBe(contentType);
      const bytes = Buffer.from(await served.arrayBuffer());
      const [before, after] = await Promise.all([sharp(original).metadata(), sharp(bytes).metadata()]);
      expect(after.format).toBe(before.format);
      expect([after.width, after.height]).toEqual([before.width, before.height]);
      expect(bytes.length).toBeLessThan(original.length);
      expect(bytes.length).toBe(stored?.ContentLength);
    }
    expect((await (await fetch(urls[1][0])).arrayBuffer()).byteLength).toBeGreaterThan(0);

    // The output CSV is an object of its own, and the download serves it.
    const outputKey = `outputs/${folder}/catalogue-output.csv`;
    expect((await head(outputKey))?.ContentType).toBe("text/csv; charset=utf-8");
    const object = await inspector.send(new GetObjectCommand({ Bucket: s3.bucket, Key: outputKey }));
    expect(await object.Body!.transformToString("utf-8")).toBe(outputText);
  });

  it("finishes a request whose store goes down midway, failing only the images it could not store", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Slow image hosts: these answer only once the store is down.
    const slow =
      (bytes: Buffer, contentType: string): Route =>
      async (request, response, hit) => {
        await gate;
        serveBytes(bytes, contentType)(request, response, hit);
      };
    images.route("/first.jpg", serveBytes(await photoJpeg(160, 120), "image/jpeg"));
    images.route("/slow-1.jpg", slow(jpeg, "image/jpeg"));
    images.route("/slow-2.png", slow(png, "image/png"));
    images.route("/slow-3.jpg", slow(await photoJpeg(100, 100), "image/jpeg"));

    const csv = [
      PRODUCT_CSV_HEADER,
      `1,Stored,${images.url("/first.jpg")}`,
      `2,Late,"${images.url("/slow-1.jpg")}, ${images.url("/slow-2.png")}"`,
      `3,Later,${images.url("/slow-3.jpg")}`,
    ].join("\n");
    const accepted = await (await api.uploadCsv(csv)).json();
    const { requestId } = accepted;

    // Stop the store as soon as the first image is stored, checking first that it really is.
    const early = await waitFor(requestId, (status) => status.progress.processedImages >= 1);
    expect(early.progress).toMatchObject({ processedImages: 1, failedImages: 0 });
    const firstUrl = early.products[0].images[0].outputUrl!;
    expect(await head(keyOf(firstUrl))).not.toBeNull();
    await s3.halt();
    release();

    const health = await healthRoute.GET();
    expect(health.status).toBe(503);
    const { expectContract } = await import("@/test/contract");
    const healthJson = (await expectContract(health, { method: "get", path: "/api/health" })) as {
      storage: { error: string };
    };
    expect(healthJson).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^storage: /),
      database: { ok: true },
      storage: { ok: false, kind: "s3" },
      runner: { ok: true, kind: "inline" },
    });
    expect(healthJson.storage.error).toContain(`S3 endpoint ${s3.endpoint} cannot be reached`);

    const status = await api.settle(requestId);
    expect(status.progress).toEqual({
      totalImages: 4,
      processedImages: 1,
      failedImages: 3,
      cancelledImages: 0,
      reusedImages: 0,
      percent: 100,
    });
    expect(status.completedAt).not.toBeNull();
    // One image succeeded, so the request is completed; its output CSV could not be stored, and it says so.
    expect(status.status).toBe("completed");
    expect(status.error).toBe("The output CSV could not be stored; the download writes it again once storage is back.");

    const all = status.products.flatMap((product) => product.images);
    expect(all.map((image) => image.status)).toEqual(["completed", "failed", "failed", "failed"]);
    for (const image of all.slice(1)) {
      expect(image.outputUrl).toBeNull();
      expect(image.error).toBe("The compressed image could not be stored (S3 unavailable) (gave up after 3 attempts)");
    }

    // The output CSV is written from the uploaded file, which is in the store too: while the store is
    // down the download says so, and nothing is lost.
    const whileDown = await api.download(requestId);
    expect(whileDown.status).toBe(503);
    expect((await whileDown.json()).code).toBe("unavailable:storage");

    // Back up on the same port and folder: every image reported completed is in the bucket, nothing else is.
    await s3.restart();
    expect((await healthRoute.GET()).status).toBe(200);
    // Then the output CSV comes, failed images keeping their places.
    const output = await api.download(requestId);
    expect(output.status).toBe(200);
    expect(
      readCsv(await output.text())
        .slice(1)
        .map((row) => row[3]),
    ).toEqual([firstUrl, ", ", ""]);

    const listed = await inspector.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `images/${await filesIdOf(requestId)}/` }),
    );
    expect(listed.Contents?.map((object) => object.Key)).toEqual([keyOf(firstUrl)]);
    for (const image of all.filter((each) => each.status === "completed")) {
      const served = await fetch(image.outputUrl!);
      expect(served.status).toBe(200);
      expect((await served.arrayBuffer()).byteLength).toBe(image.bytesOut);
    }
  });

  it("refuses an upload with 503 while the store is down, keeping no request", async () => {
    await s3.halt();
    try {
      const { requestsNamed, uniqueFileName } = await import("@/test/db");
      const fileName = uniqueFileName();
      const response = await api.uploadCsv(`${PRODUCT_CSV_HEADER}\n1,SKU1,${images.url("/a.jpg")}\n`, { fileName });
      expect(response.status).toBe(503);
      const json = await response.json();
      expect(json).toMatchObject({ isValid: false, code: "unavailable:storage" });
      expect(json.error).toMatch(/could not be stored.*nothing was kept/i);
      expect(await requestsNamed(fileName)).toBe(0);
      expect((await healthRoute.GET()).status).toBe(503);
    } finally {
      await s3.restart();
    }

    // Once the store is back, the same upload goes through.
    const accepted = await api.uploadCsv(`${PRODUCT_CSV_HEADER}\n1,SKU1,${images.url("/a.jpg")}\n`);
    expect(accepted.status).toBe(202);
    expect((await api.settle((await accepted.json()).requestId)).status).toBe("completed");
  });
});

describe("reuse on S3 storage", { timeout: 60_000 }, () => {
  it("copies an earlier output to the new request's key (CopyObject), with its content type", async () => {
    images.route("/reuse-a.jpg", serveBytes(jpeg, "image/jpeg"));
    images.route("/reuse-b.jpg", serveBytes(jpeg, "image/jpeg"));
    const first = await api.uploadCsv(productCsv(["First", images.url("/reuse-a.jpg")]), {
      fields: { format: "webp" },
    });
    const firstId = (await first.json()).requestId as string;
    const made = (await api.settle(firstId)).products[0].images[0];
    const second = await api.uploadCsv(productCsv(["Second", images.url("/reuse-b.jpg")]), {
      fields: { format: "webp" },
    });
    const { requestId } = await second.json();
    const status = await api.settle(requestId);
    const copied = status.products[0].images[0];
    expect(copied).toMatchObject({ reused: true, format: "webp", bytesOut: made.bytesOut });
    expect(copied.outputUrl).not.toBe(made.outputUrl);
    const stored = await head(keyOf(copied.outputUrl!));
    expect(stored).toMatchObject({
      ContentType: "image/webp",
      CacheControl: IMMUTABLE_CACHE,
      ContentLength: made.bytesOut,
    });
    expect(await head(keyOf(copied.thumbnailUrl!))).not.toBeNull();
    // Deleting the request it was copied from leaves the copy.
    expect((await api.deleteRequest(firstId)).status).toBe(204);
    expect((await fetch(copied.outputUrl!)).status).toBe(200);
  });
});

describe("deleting a request on S3 storage", { timeout: 60_000 }, () => {
  it("removes every object of it from the bucket, and answers 503 keeping the request while the store is down", async () => {
    const csv = `${PRODUCT_CSV_HEADER}\n1,SKU1,"${images.url("/a.jpg")}, ${images.url("/b.png")}"\n`;
    const { requestId } = await (await api.uploadCsv(csv, { fileName: "to-delete.csv" })).json();
    const keep = (await (await api.uploadCsv(csv, { fileName: "to-keep.csv" })).json()).requestId as string;
    expect((await api.settle(requestId)).status).toBe("completed");
    await api.settle(keep);
    const folders = { [requestId]: await filesIdOf(requestId), [keep]: await filesIdOf(keep) };
    const objectsOf = async (id: string) => {
      const keys: string[] = [];
      for (const kind of ["uploads", "images", "thumbnails", "outputs"]) {
        const listed = await inspector.send(
          new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${kind}/${folders[id]}/` }),
        );
        keys.push(...(listed.Contents ?? []).map((object) => object.Key!));
      }
      return keys;
    };
    // The uploaded CSV, two images, their previews (small before, small after, the compare's
    // before: three each) and the output CSV.
    expect(await objectsOf(requestId)).toHaveLength(10);

    await s3.halt();
    try {
      const refused = await api.deleteRequest(requestId);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({
        code: "unavailable:storage",
        error: expect.stringMatching(/The request is kept/),
      });
    } finally {
      await s3.restart();
    }
    // The request is kept, so the delete can be asked for again once the store is back (some objects
    // may be gone already: a delete already under way when the store went down may have gone through).
    expect((await api.getStatus(requestId)).status).toBe(200);
    expect((await healthRoute.GET()).status).toBe(200);

    expect((await api.deleteRequest(requestId)).status).toBe(204);
    expect(await objectsOf(requestId)).toEqual([]);
    expect((await api.getStatus(requestId)).status).toBe(404);
    expect((await api.download(requestId)).status).toBe(404);
    // The other request's objects are all there.
    expect(await objectsOf(keep)).toHaveLength(10);
    expect((await api.download(keep)).status).toBe(200);
  });
});

async function head(key: string) {
  try {
    return await inspector.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
    throw error;
  }
}

/** The object key behind a path-style output URL. */
function keyOf(url: string): string {
  const prefix = `/${s3.bucket}/`;
  const { pathname } = new URL(url);
  expect(pathname.startsWith(prefix)).toBe(true);
  return pathname.slice(prefix.length).split("/").map(decodeURIComponent).join("/");
}

async function waitFor(
  requestId: string,
  done: (status: RequestStatus) => boolean,
  timeoutMs = 10_000,
): Promise<RequestStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await (await api.getStatus(requestId)).json()) as RequestStatus;
    if (done(status)) return status;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting on request ${requestId}: ${JSON.stringify(status.progress)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
