import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestStatus } from "@/lib/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { productCsv } from "@/test/product-csv";
import { readZip } from "@/test/read-zip";
import { type LocalS3Server, startS3Server } from "@/test/s3-server";
import { cutoutPng, photoJpeg } from "@/test/sample-images";
import { serviceOnS3Server } from "@/test/s3-service-settings";

/**
 * The images ZIP on S3 storage (a local s3rver): each entry streamed from the bucket, with the bytes
 * its output URL serves, reused copies and twins included. `lib/config` reads the environment once,
 * so everything that reaches it is imported after the environment points at s3rver.
 */

let s3: LocalS3Server;
let images: ImageServer;
let api: typeof import("@/test/api");

beforeAll(async () => {
  [s3, images] = await Promise.all([startS3Server({ bucket: "zip-images" }), startImageServer()]);
  serviceOnS3Server(s3);
  const { getStorage } = await import("./get-storage");
  expect((await getStorage()).name).toBe("s3");
  api = await import("@/test/api");
  images.route("/a.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
  images.route("/b.png", serveBytes(await cutoutPng(), "image/png"));
}, 60_000);

afterAll(async () => {
  if (api) await (await import("@/lib/jobs/inline-runner")).getInlineRunner().idle();
  await Promise.all([s3?.stop(), images?.close()]);
});

async function upload(csv: string): Promise<{ requestId: string; status: RequestStatus }> {
  const response = await api.uploadCsv(csv);
  expect(response.status, await response.clone().text()).toBe(202);
  const { requestId } = (await response.json()) as { requestId: string };
  return { requestId, status: await api.settle(requestId) };
}

describe("the images ZIP on S3", () => {
  it("streams every output from the bucket at each of its places, reused copies included", async () => {
    const csv = productCsv(
      ["Blue Shirt", images.url("/a.jpg"), images.url("/gone.jpg"), images.url("/b.png")],
      ["Socks", images.url("/b.png"), images.url("/a.jpg")],
    );
    const earlier = await upload(csv);
    const again = await upload(csv);
    expect(again.status.progress.reusedImages).toBe(2);
    for (const { requestId, status } of [earlier, again]) {
      const response = await api.imagesZip(requestId);
      expect(response.status).toBe(200);
      const entries = await readZip(Buffer.from(await response.arrayBuffer()));
      const [shirt, socks] = status.products;
      const expected: [string, string][] = [
        ["2-blue-shirt-1.jpg", shirt.images[0].outputUrl!],
        ["2-blue-shirt-3.png", shirt.images[2].outputUrl!],
        ["3-socks-1.png", socks.images[0].outputUrl!],
        ["3-socks-2.jpg", socks.images[1].outputUrl!],
      ];
      expect([...entries.keys()]).toEqual(expected.map(([name]) => name));
      for (const [name, url] of expected) {
        expect(url.startsWith(s3.endpoint)).toBe(true);
        const served = Buffer.from(await (await fetch(url)).arrayBuffer());
        expect(entries.get(name)!.equals(served), name).toBe(true);
      }
    }
  }, 150_000);
});
