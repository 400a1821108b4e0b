import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { readCsv } from "@/test/read-csv";
import { photoJpeg } from "@/test/sample-images";
import { type LocalS3Server, startS3Server } from "@/test/s3-server";
import { productCsv } from "@/test/product-csv";
import { serviceOnS3Server } from "@/test/s3-service-settings";

/**
 * A private bucket with presigned output links: every download signs fresh links, so a CSV fetched
 * later never carries links that expired with an earlier copy. Settings are read at import, so the
 * modules under test load after the environment points at the local s3rver.
 */

let s3: LocalS3Server;
let images: ImageServer;
let api: typeof import("@/test/api");

beforeAll(async () => {
  [s3, images] = await Promise.all([startS3Server({ bucket: "private-images" }), startImageServer()]);
  images.route("/a.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
  serviceOnS3Server(s3, { presignSeconds: 600 });
  api = await import("@/test/api");
}, 60_000);

afterAll(async () => {
  if (api) await (await import("@/lib/jobs/inline-runner")).getInlineRunner().idle();
  await Promise.all([s3?.stop(), images?.close()]);
  vi.unstubAllEnvs();
});

describe("presigned output links", { timeout: 60_000 }, () => {
  it("signs fresh links on every download, and they fetch the image", async () => {
    const accepted = await (await api.uploadCsv(productCsv(["Item", images.url("/a.jpg")]))).json();
    expect((await api.settle(accepted.requestId)).status).toBe("completed");

    const linkNow = async () => readCsv(await (await api.download(accepted.requestId)).text())[1][3];
    const first = await linkNow();
    // Signatures carry the signing time to the second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await linkNow();

    expect(first).toContain("X-Amz-Expires=600");
    expect(second).not.toBe(first);
    for (const link of [first, second]) {
      const response = await fetch(link);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/jpeg");
    }
  });
});
