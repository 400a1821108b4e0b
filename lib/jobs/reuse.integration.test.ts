import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestStatus } from "@/lib/contract";
import { BROWSER, type Caller, deleteRequest, getFile, settle, uploadCsv } from "@/test/api";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { getStorage } from "@/lib/storage/get-storage";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { images } from "@/db/schema";
import { filesIdOf } from "@/test/db";
import { PRODUCT_CSV_HEADER } from "@/test/product-csv";

/**
 * Work never done twice, through the real routes, runner, database and storage folder: outputs are
 * reused by the bytes and options that made them, and by a 304 to a conditional download.
 */

let server: ImageServer;
let photo: Buffer;
let otherPhoto: Buffer;
const OTHER_BROWSER: Caller = { cookie: "cic_owner=test-browser-0000000003" };

beforeAll(async () => {
  server = await startImageServer();
  [photo, otherPhoto] = await Promise.all([photoJpeg(400, 300), photoJpeg(300, 400)]);
});

afterAll(() => server.close());

async function processUrls(
  paths: string[],
  { fields = {}, as = BROWSER }: { fields?: Record<string, string>; as?: Caller } = {},
): Promise<RequestStatus> {
  const cell = paths.map((path) => server.url(path)).join(", ");
  const response = await uploadCsv(`${PRODUCT_CSV_HEADER}\n1,Item,"${cell}"\n`, { fields, as });
  expect(response.status).toBe(202);
  const status = await settle((await response.json()).requestId, as);
  expect(status.status).toBe("completed");
  return status;
}

const imagesOf = (status: RequestStatus) => status.products.flatMap((product) => product.images);

async function bytesAt(url: string): Promise<Buffer> {
  const response = await getFile(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe("reuse by bytes", () => {
  it("compresses the same image once: a second request with it at another URL gets its own copy", async () => {
    server.route("/shop-a/photo.jpg", serveBytes(photo, "image/jpeg"));
    server.route("/shop-b/same-photo.jpg", serveBytes(photo, "image/jpeg"));
    const first = await processUrls(["/shop-a/photo.jpg"]);
    expect(imagesOf(first)[0].reused).toBe(false);
    expect(first.progress.reusedImages).toBe(0);

    const second = await processUrls(["/shop-b/same-photo.jpg"]);
    const [made, copied] = [imagesOf(first)[0], imagesOf(second)[0]];
    expect(copied).toMatchObject({ status: "completed", reused: true, format: made.format, bytesOut: made.bytesOut });
    expect(second.progress).toMatchObject({ processedImages: 1, reusedImages: 1 });
    // Its own files under its own request's folder, with the same bytes.
    const folder = await filesIdOf(second.requestId);
    expect(copied.outputUrl).toContain(`/images/${folder}/`);
    expect(copied.thumbnailUrl).toContain(`/thumbnails/${folder}/`);
    expect((await bytesAt(copied.outputUrl!)).equals(await bytesAt(made.outputUrl!))).toBe(true);

    // Deleting either request leaves the other's output whole.
    expect((await deleteRequest(first.requestId)).status).toBe(204);
    expect((await bytesAt(copied.outputUrl!)).length).toBe(copied.bytesOut);
    expect((await getFile(copied.thumbnailUrl!)).status).toBe(200);
    const third = await processUrls(["/shop-a/photo.jpg"]);
    expect(imagesOf(third)[0].reused).toBe(true);
    expect((await deleteRequest(second.requestId)).status).toBe(204);
    expect((await bytesAt(imagesOf(third)[0].outputUrl!)).length).toBe(imagesOf(third)[0].bytesOut);
  });

  it("compresses again when the options differ, and never reuses another owner's output", async () => {
    server.route("/options/photo.jpg", serveBytes(otherPhoto, "image/jpeg"));
    const plain = imagesOf(await processUrls(["/options/photo.jpg"]))[0];
    const sized = imagesOf(await processUrls(["/options/photo.jpg"], { fields: { maxWidth: "150" } }))[0];
    const webp = imagesOf(await processUrls(["/options/photo.jpg"], { fields: { format: "webp" } }))[0];
    const quality = imagesOf(await processUrls(["/options/photo.jpg"], { fields: { quality: "80" } }))[0];
    expect([plain, sized, webp, quality].map((image) => image.reused)).toEqual([false, false, false, false]);
    expect(sized).toMatchObject({ width: 150, height: 200 });
    expect(webp.format).toBe("webp");
    expect(quality.bytesOut).not.toBe(plain.bytesOut);

    const again = imagesOf(await processUrls(["/options/photo.jpg"], { fields: { maxWidth: "150" } }))[0];
    expect(again).toMatchObject({ reused: true, width: 150, height: 200, bytesOut: sized.bytesOut });

    const stranger = imagesOf(await processUrls(["/options/photo.jpg"], { as: OTHER_BROWSER }))[0];
    expect(stranger.reused).toBe(false);
  });

  it("finds the owner's own output when another owner made the same one later", async () => {
    const shared = await photoJpeg(350, 350);
    for (const path of ["/mine/first.jpg", "/theirs/copy.jpg", "/mine/again.jpg"]) {
      server.route(path, serveBytes(shared, "image/jpeg"));
    }
    const mine = imagesOf(await processUrls(["/mine/first.jpg"]))[0];
    const theirs = imagesOf(await processUrls(["/theirs/copy.jpg"], { as: OTHER_BROWSER }))[0];
    expect([mine.reused, theirs.reused]).toEqual([false, false]);

    // The latest output with these bytes is the other owner's: it is passed over for this owner's own.
    const again = imagesOf(await processUrls(["/mine/again.jpg"]))[0];
    expect(again).toMatchObject({ reused: true, bytesOut: mine.bytesOut });
  });
});

describe("outputs made another way", () => {
  it("are never reused once the recipe that made them has changed, neither by bytes nor by a 304", async () => {
    const owner = { cookie: "cic_owner=test-browser-0000000006" };
    const conditional: string[] = [];
    server.route("/recipe/photo.jpg", (request, response) => {
      if (request.headers["if-none-match"]) conditional.push(String(request.headers["if-none-match"]));
      if (request.headers["if-none-match"] === '"r"') return void response.writeHead(304).end();
      response.writeHead(200, { "content-type": "image/jpeg", etag: '"r"' }).end(photo);
    });
    const first = await processUrls(["/recipe/photo.jpg"], { as: owner });
    // As if the output had been made by an earlier recipe.
    const db = await getDb();
    await db
      .update(images)
      .set({ outputFingerprint: sql`'r0:' || substr(${images.outputFingerprint}, 4)` })
      .where(eq(images.requestId, first.requestId));
    const second = imagesOf(await processUrls(["/recipe/photo.jpg"], { as: owner }))[0];
    expect(second.reused).toBe(false);
    expect(conditional).toEqual([]);
    // Made again the current way, it is reused from then on.
    const third = imagesOf(await processUrls(["/recipe/photo.jpg"], { as: owner }))[0];
    expect(third.reused).toBe(true);
    expect(conditional).toEqual(['"r"']);
  });
});

describe("conditional downloads", () => {
  it("sends the validators back; a 304 reuses the output without the bytes, a new ETag is compressed again", async () => {
    let version = { etag: '"v1"', bytes: photo };
    const bodiesSent: string[] = [];
    server.route("/catalogue/hero.jpg", (request, response) => {
      if (request.headers["if-none-match"] === version.etag) {
        response.writeHead(304, { etag: version.etag }).end();
        return;
      }
      bodiesSent.push(version.etag);
      response
        .writeHead(200, { "content-type": "image/jpeg", etag: version.etag, "content-length": version.bytes.length })
        .end(version.bytes);
    });
    // Another owner's earlier copy of the same bytes must not be what answers here.
    const first = imagesOf(
      await processUrls(["/catalogue/hero.jpg"], { as: { cookie: "cic_owner=test-browser-0000000004" } }),
    )[0];
    expect(first.reused).toBe(false);
    expect(bodiesSent).toEqual(['"v1"']);

    const second = imagesOf(
      await processUrls(["/catalogue/hero.jpg"], { as: { cookie: "cic_owner=test-browser-0000000004" } }),
    )[0];
    expect(bodiesSent).toEqual(['"v1"']);
    expect(second).toMatchObject({ reused: true, bytesIn: first.bytesIn, bytesOut: first.bytesOut });

    version = { etag: '"v2"', bytes: otherPhoto };
    const third = imagesOf(
      await processUrls(["/catalogue/hero.jpg"], { as: { cookie: "cic_owner=test-browser-0000000004" } }),
    )[0];
    expect(bodiesSent).toEqual(['"v1"', '"v2"']);
    expect(third).toMatchObject({ reused: false, width: 300, height: 400 });
  });

  it("downloads in full when the output a 304 would reuse is gone", async () => {
    const owner = { cookie: "cic_owner=test-browser-0000000005" };
    let full = 0;
    let conditional = 0;
    server.route("/catalogue/gone.jpg", (request, response) => {
      if (request.headers["if-none-match"] === '"g1"') {
        conditional++;
        return void response.writeHead(304).end();
      }
      full++;
      response.writeHead(200, { "content-type": "image/jpeg", etag: '"g1"' }).end(photo);
    });
    const first = await processUrls(["/catalogue/gone.jpg"], { as: owner });
    // Its files lost from the store while its rows remain.
    await (await getStorage()).deleteFolder(`images/${await filesIdOf(first.requestId)}`);
    const second = imagesOf(await processUrls(["/catalogue/gone.jpg"], { as: owner }))[0];
    expect(second).toMatchObject({ status: "completed", reused: false });
    expect([conditional, full]).toEqual([1, 2]);
    expect((await bytesAt(second.outputUrl!)).length).toBe(second.bytesOut);
  });
});
