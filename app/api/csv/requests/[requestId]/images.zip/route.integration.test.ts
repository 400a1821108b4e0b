import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RequestStatus } from "@/lib/contract";
import { getStorage } from "@/lib/storage/get-storage";
import { getFile, getStatus, imagesZip, settle, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { productCsv } from "@/test/product-csv";
import { readZip } from "@/test/read-zip";
import { cutoutPng, photoJpeg } from "@/test/sample-images";

/**
 * The ZIP of a request's compressed images on local storage: every output at each place it holds in
 * the seller's file, named by row, product and place, with the bytes the output URLs serve.
 */

const route = { method: "get", path: "/api/csv/requests/{requestId}/images.zip" } as const;
let images: ImageServer;
// The first request, uploaded before the tests: its wait includes the database's and the image threads' start.
let first: { requestId: string; status: RequestStatus };

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
  images.route("/b.png", serveBytes(await cutoutPng(), "image/png"));
  images.route("/big.jpg", serveBytes(await photoJpeg(800, 600), "image/jpeg"));
  first = await upload(csv());
  // The first request waits for the database and the image threads to start: slow on a busy machine.
}, 120_000);

afterAll(() => images.close());

async function upload(csv: string) {
  const response = await uploadCsv(csv);
  expect(response.status, await response.clone().text()).toBe(202);
  const { requestId } = (await response.json()) as { requestId: string };
  return { requestId, status: await settle(requestId) };
}

async function zipOf(requestId: string) {
  const response = await imagesZip(requestId);
  expect(response.status, response.status === 200 ? "" : await response.clone().text()).toBe(200);
  return { response, entries: await readZip(Buffer.from(await response.arrayBuffer())) };
}

/** What a seller downloads from each output URL, by the place the test expects it at. */
async function servedBytes(status: RequestStatus, row: number, place: number): Promise<Buffer> {
  const product = status.products.find((candidate) => candidate.rowNumber === row)!;
  const url = product.images[place - 1].outputUrl!;
  return Buffer.from(await (await getFile(url)).arrayBuffer());
}

// Row 2 has a failed image in the middle; row 3 uses two of row 2's images again (one twice).
const csv = () =>
  productCsv(
    ["Blue Shirt", images.url("/a.jpg"), images.url("/gone.jpg"), images.url("/b.png")],
    ["Crème brûlée / 2 kg!", images.url("/b.png"), images.url("/a.jpg"), images.url("/a.jpg")],
  );

const EXPECTED: [name: string, row: number, place: number][] = [
  ["2-blue-shirt-1.jpg", 2, 1],
  ["2-blue-shirt-3.png", 2, 3],
  ["3-creme-brulee-2-kg-1.png", 3, 1],
  ["3-creme-brulee-2-kg-2.jpg", 3, 2],
  ["3-creme-brulee-2-kg-3.jpg", 3, 3],
];

describe("GET /api/csv/requests/:id/images.zip", () => {
  it("holds every output at each of its places, named by row, product and place, with the served bytes", async () => {
    const { requestId, status } = first;
    expect(status.progress).toMatchObject({ processedImages: 2, failedImages: 1 });
    const { response, entries } = await zipOf(requestId);
    expect(response.headers.get("content-type")).toBe("application/zip");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="products-images\.zip"/);
    expect([...entries.keys()]).toEqual(EXPECTED.map(([name]) => name));
    for (const [name, row, place] of EXPECTED) {
      expect(entries.get(name)!.equals(await servedBytes(status, row, place)), name).toBe(true);
    }
    // The twins are one output, in the archive at each place.
    expect(entries.get("3-creme-brulee-2-kg-2.jpg")).toEqual(entries.get("2-blue-shirt-1.jpg"));
  });

  it("holds a request's own copies of outputs reused from an earlier upload", async () => {
    const { requestId, status } = await upload(csv());
    expect(status.progress.reusedImages).toBe(2);
    const { entries } = await zipOf(requestId);
    expect([...entries.keys()]).toEqual(EXPECTED.map(([name]) => name));
    for (const [name, row, place] of EXPECTED) {
      expect(entries.get(name)!.equals(await servedBytes(status, row, place)), name).toBe(true);
    }
  });

  it("is an empty archive when no image succeeded", async () => {
    const { requestId, status } = await upload(productCsv(["Lost", images.url("/gone.jpg")]));
    expect(status.status).toBe("failed");
    const { entries } = await zipOf(requestId);
    expect(entries.size).toBe(0);
  });

  it("answers 409 with the status while processing and 404 for an unknown request", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    images.route("/held.jpg", async (_request, response) => {
      await held;
      serveBytes(await photoJpeg(), "image/jpeg")(_request, response, 1);
    });
    const accepted = await uploadCsv(productCsv(["Held", images.url("/held.jpg")]));
    const { requestId } = (await accepted.json()) as { requestId: string };
    const early = await imagesZip(requestId);
    expect(early.status).toBe(409);
    const body = (await expectContract(early, route)) as { error: string; progress: unknown };
    expect(body.error).toMatch(/still processing .*download the images ZIP once it is finished/);
    release();
    await settle(requestId);
    expect((await imagesZip(requestId)).status).toBe(200);

    const unknown = await imagesZip("00000000-0000-4000-8000-000000000000");
    expect(unknown.status).toBe(404);
    await expectContract(unknown, route);
  });

  it("stops reading images when the client goes away", async () => {
    const urls = Array.from({ length: 40 }, (_, index) => images.url(`/big.jpg?n=${index}`));
    const { requestId, status } = await upload(productCsv(["Many", ...urls.slice(0, 20)], ["More", ...urls.slice(20)]));
    expect(status.progress.processedImages).toBe(40);
    const storage = await getStorage();
    const get = vi.spyOn(storage, "get");
    try {
      const response = await imagesZip(requestId);
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
      const opened = get.mock.calls.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Nothing more is opened after the client left, and far from all of it had been.
      expect(get.mock.calls.length).toBe(opened);
      expect(opened).toBeLessThan(20);
    } finally {
      get.mockRestore();
    }
    // The status still answers: nothing was left holding the database.
    expect((await getStatus(requestId, "?products=0")).status).toBe(200);
  });
});
