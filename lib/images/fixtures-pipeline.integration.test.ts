import sharp, { type Sharp } from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getStorage } from "@/lib/storage/get-storage";
import { settle, uploadCsv } from "@/test/api";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import type { ImageStatus, RequestStatus } from "@/lib/contract";
import {
  ANIMATION_FRAMES,
  cmykPatches,
  CMYK_PATCH_WIDTH,
  imageFixtures,
  type ImageFixtureName,
  transparentSquare,
} from "@/test/image-fixtures";
import { PRODUCT_CSV_HEADER } from "@/test/product-csv";

/**
 * Every kind of image a seller's CSV points at, served from 127.0.0.1 and run through the whole
 * pipeline (upload, download, compress, store), with checks on what comes out.
 */

type Served = { fixture: ImageFixtureName; path: string; contentType: string };

// Paths and content types as real hosts send them, including ones that lie about the content.
const served: Served[] = [
  { fixture: "baselineJpeg", path: "/baseline.jpg", contentType: "image/jpeg" },
  { fixture: "progressiveJpeg", path: "/progressive.jpg", contentType: "image/jpeg" },
  { fixture: "grayscaleJpeg", path: "/gray.jpg", contentType: "image/jpeg" },
  { fixture: "cmykJpeg", path: "/cmyk.jpg", contentType: "image/jpeg" },
  { fixture: "exifRotatedJpeg", path: "/rotated.jpg", contentType: "image/jpeg" },
  { fixture: "opaquePng", path: "/opaque.png", contentType: "image/png" },
  { fixture: "transparentPng", path: "/cutout.png", contentType: "image/png" },
  { fixture: "palettePng", path: "/palette.png", contentType: "image/png" },
  { fixture: "sixteenBitPng", path: "/deep.png", contentType: "image/png" },
  { fixture: "lossyWebp", path: "/lossy.webp", contentType: "image/webp" },
  { fixture: "losslessWebp", path: "/lossless.webp", contentType: "image/webp" },
  { fixture: "animatedWebp", path: "/animated.webp", contentType: "image/webp" },
  { fixture: "avifImage", path: "/photo.avif", contentType: "image/avif" },
  { fixture: "stillGif", path: "/still.gif", contentType: "image/gif" },
  { fixture: "animatedGif", path: "/animated.gif", contentType: "image/gif" },
  { fixture: "tiffImage", path: "/scan.tiff", contentType: "image/tiff" },
  { fixture: "tiffWithAlpha", path: "/cutout.tiff", contentType: "image/tiff" },
  { fixture: "alreadyOptimalPng", path: "/tiny.png", contentType: "image/png" },
  // The extension and the header both say JPEG; the bytes are a PNG.
  { fixture: "transparentPng", path: "/lying-extension.jpg", contentType: "image/jpeg" },
  { fixture: "truncatedJpeg", path: "/truncated.jpg", contentType: "image/jpeg" },
  { fixture: "htmlPage", path: "/html-as-image.jpg", contentType: "image/jpeg" },
  { fixture: "svgWithScript", path: "/script.svg", contentType: "image/svg+xml" },
  { fixture: "emptyFile", path: "/empty.jpg", contentType: "image/jpeg" },
  { fixture: "hugeDimensionsPng", path: "/bomb.png", contentType: "image/png" },
];

let server: ImageServer;
let status: RequestStatus;
const inputs = new Map<string, Buffer>();
const results = new Map<string, ImageStatus>();

beforeAll(async () => {
  server = await startImageServer();
  for (const { fixture, path, contentType } of served) {
    const bytes = await imageFixtures[fixture]();
    inputs.set(path, bytes);
    server.route(path, serveBytes(bytes, contentType));
  }
  const rows = served.map(({ path }, i) => `${i + 1},${path.slice(1)},${server.url(path)}`).join("\n");
  const response = await uploadCsv(`${PRODUCT_CSV_HEADER}\n${rows}\n`);
  expect(response.status).toBe(202);
  status = await settle((await response.json()).requestId);
  for (const product of status.products) results.set(new URL(product.images[0].inputUrl).pathname, product.images[0]);
}, 120_000);

afterAll(() => server.close());

async function output(path: string): Promise<{ image: ImageStatus; bytes: Buffer; decoded: Sharp }> {
  const image = results.get(path)!;
  expect(image.status, `${path}: ${image.error}`).toBe("completed");
  const key = decodeURIComponent(new URL(image.outputUrl!).pathname.replace(/^\/files\//, ""));
  const stored = await (await getStorage()).get(key);
  const bytes = Buffer.from(await new Response(stored!.body).arrayBuffer());
  expect(bytes.length).toBeLessThanOrEqual(inputs.get(path)!.length);
  expect(image.bytesOut).toBe(bytes.length);
  return { image, bytes, decoded: sharp(bytes, { animated: true }) };
}

async function pixel(bytes: Buffer, x: number, y: number) {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * 4;
  return [data[at], data[at + 1], data[at + 2], data[at + 3]];
}

describe("images through the pipeline", () => {
  it("finishes the request, counting every image once", () => {
    expect(status.status).toBe("completed");
    expect(status.progress.totalImages).toBe(served.length);
    expect(status.progress.processedImages + status.progress.failedImages).toBe(served.length);
    expect(status.progress.failedImages).toBe(5);
  });

  it.each([
    ["/baseline.jpg", "jpeg"],
    ["/progressive.jpg", "jpeg"],
    ["/gray.jpg", "jpeg"],
    ["/opaque.png", "png"],
    ["/palette.png", "png"],
    ["/deep.png", "png"],
    ["/lossy.webp", "webp"],
    ["/lossless.webp", "webp"],
    ["/photo.avif", "heif"],
    ["/still.gif", "gif"],
  ])("keeps %s as %s, same size, not larger", async (path, format) => {
    const { decoded, image } = await output(path);
    const before = await sharp(inputs.get(path)!).metadata();
    const after = await decoded.metadata();
    expect(after.format).toBe(format);
    expect([after.width, after.height]).toEqual([before.width, before.height]);
    expect(image.width).toBe(before.width);
  });

  it("applies EXIF orientation to the pixels", async () => {
    const { decoded } = await output("/rotated.jpg");
    const meta = await decoded.metadata();
    expect([meta.width, meta.height]).toEqual([300, 400]);
    expect(meta.orientation ?? 1).toBe(1);
  });

  it("turns CMYK into sRGB with the right colours", async () => {
    const { bytes, decoded } = await output("/cmyk.jpg");
    expect((await decoded.metadata()).space).toBe("srgb");
    for (const [index, patch] of cmykPatches.entries()) {
      const [r, g, b] = await pixel(bytes, index * CMYK_PATCH_WIDTH + CMYK_PATCH_WIDTH / 2, 50);
      for (const [got, want] of [
        [r, patch.srgb[0]],
        [g, patch.srgb[1]],
        [b, patch.srgb[2]],
      ])
        expect(Math.abs(got - want), patch.name).toBeLessThanOrEqual(40);
    }
  });

  it("keeps transparency: a cut-out never turns black", async () => {
    for (const path of ["/cutout.png", "/lying-extension.jpg"]) {
      const { bytes, decoded } = await output(path);
      expect((await decoded.metadata()).format).toBe("png");
      expect((await pixel(bytes, 2, 2))[3]).toBe(0);
      const [r, g, b, a] = await pixel(
        bytes,
        transparentSquare.left + transparentSquare.size / 2,
        transparentSquare.top + transparentSquare.size / 2,
      );
      expect(a).toBe(255);
      expect(
        Math.abs(r - transparentSquare.colour[0]) +
          Math.abs(g - transparentSquare.colour[1]) +
          Math.abs(b - transparentSquare.colour[2]),
      ).toBeLessThan(60);
    }
  });

  it("keeps every frame of animations", async () => {
    for (const [path, format] of [
      ["/animated.gif", "gif"],
      ["/animated.webp", "webp"],
    ]) {
      const meta = await (await output(path)).decoded.metadata();
      expect(meta.format).toBe(format);
      expect(meta.pages).toBe(ANIMATION_FRAMES);
    }
  });

  it("turns TIFF into JPEG, or PNG when it has transparency", async () => {
    expect((await (await output("/scan.tiff")).decoded.metadata()).format).toBe("jpeg");
    const alpha = await output("/cutout.tiff");
    expect((await alpha.decoded.metadata()).format).toBe("png");
    expect((await pixel(alpha.bytes, 1, 1))[3]).toBe(0);
  });

  it("keeps the original bytes when re-encoding would not make the file smaller", async () => {
    const { image, bytes } = await output("/tiny.png");
    expect(image.optimized).toBe(false);
    expect(bytes.equals(inputs.get("/tiny.png")!)).toBe(true);
  });

  it.each([
    ["/truncated.jpg", /JPEG file is truncated/],
    ["/html-as-image.jpg", /web page \(HTML\)/],
    ["/script.svg", /SVG/],
    ["/empty.jpg", /empty/],
    ["/bomb.png", /50000×50000 pixels.*limit is 50 MP/],
  ])("fails %s with a reason, without retrying", (path, reason) => {
    const image = results.get(path)!;
    expect(image.status).toBe("failed");
    expect(image.error).toMatch(reason);
    expect(image.outputUrl).toBeNull();
    expect(server.hits(path)).toBe(1);
  });
});
