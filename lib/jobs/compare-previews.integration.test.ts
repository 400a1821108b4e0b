import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import sharp from "sharp";
import { getDb } from "@/db/client";
import { images } from "@/db/schema";
import type { RequestStatus } from "@/lib/contract";
import { BROWSER, getFile, getStatus, settle, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { productCsv } from "@/test/product-csv";
import { cutoutPng, photoJpeg } from "@/test/sample-images";

/**
 * What the request page shows of each processed image, made by the service on the image threads:
 * a small preview of the output for lists, and the original at the output's size for a full-size
 * compare. Through the real routes, runner, database and storage folder.
 */

let server: ImageServer;

beforeAll(async () => {
  server = await startImageServer();
  server.route("/previews/photo.jpg", serveBytes(await photoJpeg(800, 600), "image/jpeg"));
  server.route("/previews/cutout.png", serveBytes(await cutoutPng(300, 200), "image/png"));
  server.route("/previews/again.jpg", serveBytes(await photoJpeg(800, 600), "image/jpeg"));
});

afterAll(() => server.close());

async function process(paths: string[], fields: Record<string, string> = {}): Promise<RequestStatus> {
  const response = await uploadCsv(productCsv(["Item", ...paths.map((path) => server.url(path))]), { fields });
  expect(response.status).toBe(202);
  const status = await settle((await response.json()).requestId, BROWSER);
  expect(status.status).toBe("completed");
  return status;
}

async function metadataAt(url: string) {
  const response = await getFile(url);
  expect(response.status).toBe(200);
  return {
    type: response.headers.get("content-type"),
    ...(await sharp(Buffer.from(await response.arrayBuffer())).metadata()),
  };
}

describe("compare previews", () => {
  it("keeps a small preview of each output and the original at the output's size", async () => {
    const status = await process(["/previews/photo.jpg", "/previews/cutout.png"], { maxWidth: "400" });
    const [photo, cutout] = status.products[0].images;
    expect(photo).toMatchObject({ width: 400, height: 300, format: "jpeg" });

    const small = await metadataAt(photo.outputThumbnailUrl!);
    expect(small).toMatchObject({ type: "image/webp", width: 128, height: 96 });
    const original = await metadataAt(photo.originalPreviewUrl!);
    expect(original).toMatchObject({ type: "image/jpeg", width: 400, height: 300 });
    expect(photo.originalPreviewUrl).toMatch(/\/thumbnails\/[^/]+\/\d+-original\.jpg$/);
    // Transparency is kept in the before, which is WebP then.
    // (The first image of a test file starts the image threads: a while on a busy machine.)
    expect(await metadataAt(cutout.originalPreviewUrl!)).toMatchObject({
      type: "image/webp",
      hasAlpha: true,
      width: 300,
    });
  }, 120_000);

  it("copies the previews with a reused output, and answers null for images processed before they existed", async () => {
    const first = (await process(["/previews/again.jpg"])).products[0].images[0];
    const second = await process(["/previews/again.jpg?second"]);
    const reused = second.products[0].images[0];
    expect(reused.reused).toBe(true);
    expect(reused.outputThumbnailUrl).not.toBe(first.outputThumbnailUrl);
    expect((await metadataAt(reused.outputThumbnailUrl!)).width).toBe(128);
    expect((await metadataAt(reused.originalPreviewUrl!)).width).toBe(800);

    // An image processed before the previews existed: its row has no keys, and status says null.
    const db = await getDb();
    await db
      .update(images)
      .set({ outputThumbnailKey: null, originalPreviewKey: null })
      .where(eq(images.requestId, second.requestId));
    const old = await getStatus(second.requestId);
    const body = (await expectContract(old, { method: "get", path: "/api/csv/status/{requestId}" })) as RequestStatus;
    expect(body.products[0].images[0]).toMatchObject({
      outputThumbnailUrl: null,
      originalPreviewUrl: null,
      outputUrl: reused.outputUrl,
      thumbnailUrl: reused.thumbnailUrl,
    });
  });
});
