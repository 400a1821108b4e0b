import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settle, uploadCsv } from "@/test/api";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

let images: ImageServer;
let jpeg: Buffer;

beforeAll(async () => {
  images = await startImageServer();
  jpeg = await photoJpeg();
});

afterAll(() => images.close());

async function processOne(path: string) {
  const response = await uploadCsv(productCsv(["Item", images.url(path)]));
  const { requestId } = await response.json();
  const status = await settle(requestId);
  return { status, image: status.products[0].images[0] };
}

describe("downloading images", () => {
  it("retries a server error and succeeds when the server recovers", async () => {
    images.route("/flaky.jpg", (request, response, hit) => {
      if (hit === 1) response.writeHead(500).end("try later");
      else serveBytes(jpeg, "image/jpeg")(request, response, hit);
    });
    const { status, image } = await processOne("/flaky.jpg");
    expect(image.status).toBe("completed");
    expect(image.error).toBeNull();
    expect(images.hits("/flaky.jpg")).toBe(2);
    expect(status.progress).toMatchObject({ processedImages: 1, failedImages: 0 });
  });

  it("fails a missing image at once with the reason", async () => {
    const { status, image } = await processOne("/not-there.jpg");
    expect(image).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/not found \(HTTP 404\)/i),
      outputUrl: null,
    });
    expect(images.hits("/not-there.jpg")).toBe(1);
    expect(status.status).toBe("failed");
  });

  it("fails a URL that returns a web page instead of an image", async () => {
    images.route("/page.jpg", (_request, response) => {
      response.writeHead(200, { "content-type": "image/jpeg" }).end("<!doctype html><html><body>Product</body></html>");
    });
    const { image } = await processOne("/page.jpg");
    expect(image.status).toBe("failed");
    expect(image.error).toMatch(/web page \(HTML\)/);
    expect(images.hits("/page.jpg")).toBe(1);
  });

  it("times out a server that does not answer, retries, then gives up with the reason", async () => {
    images.route("/slow.jpg", async (_request, response) => {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      response.writeHead(200).end();
    });
    const { image } = await processOne("/slow.jpg");
    expect(image.status).toBe("failed");
    expect(image.error).toMatch(/took longer than/);
    expect(image.error).toMatch(/gave up after 3 attempts/);
    expect(images.hits("/slow.jpg")).toBe(3);
  }, 20_000);

  it("never lets a failed image fail its siblings", async () => {
    images.route("/good.jpg", serveBytes(jpeg, "image/jpeg"));
    const response = await uploadCsv(productCsv(["Item", images.url("/good.jpg"), images.url("/absent.jpg")]));
    const status = await settle((await response.json()).requestId);
    expect(status.status).toBe("completed");
    expect(status.products[0].images.map((image) => image.status)).toEqual(["completed", "failed"]);
  });
});
