import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestList, UploadAccepted } from "@/lib/contract";
import { type Caller, download, getFile, getStatus, listRequests, settle, uploadCsv } from "@/test/api";
import { requestsNamed, uniqueFileName } from "@/test/db";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

/**
 * Open mode (the default): no keys, but private by default. Each browser is an anonymous owner (its
 * `cic_owner` cookie) and lists only its own requests; status and download stay reachable by id.
 */

const alice: Caller = { cookie: "cic_owner=alice-browser-000000001" };
const bob: Caller = { cookie: "cic_owner=bob-browser-0000000000001" };
const cookieless: Caller = {};

let images: ImageServer;
let csv: string;

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(64, 48), "image/jpeg"));
  csv = productCsv(["Shirt", images.url("/a.jpg")]);
});

afterAll(() => images.close());

async function upload(as: Caller, fileName = uniqueFileName()) {
  const response = await uploadCsv(csv, { as, fileName });
  expect(response.status).toBe(202);
  return { response, accepted: (await response.json()) as UploadAccepted };
}

async function listed(as: Caller): Promise<string[]> {
  const list = (await (await listRequests("?pageSize=100", as)).json()) as RequestList;
  return list.requests.map((request) => request.requestId);
}

describe("open mode keeps each browser's uploads to itself", () => {
  it("two browsers each list only their own requests", async () => {
    const fromAlice = (await upload(alice)).accepted.requestId;
    const fromBob = (await upload(bob)).accepted.requestId;

    const aliceSees = await listed(alice);
    const bobSees = await listed(bob);
    expect(aliceSees).toContain(fromAlice);
    expect(aliceSees).not.toContain(fromBob);
    expect(bobSees).toContain(fromBob);
    expect(bobSees).not.toContain(fromAlice);
  });

  it("an API client without the cookie lists nothing, yet reaches a request by its id", async () => {
    const { requestId } = (await upload(alice)).accepted;
    const list = (await (await listRequests("", cookieless)).json()) as RequestList;
    expect(list).toEqual({ requests: [], pagination: { page: 1, pageSize: 20, totalItems: 0, totalPages: 1 } });

    await settle(requestId);
    expect((await getStatus(requestId, "", undefined, cookieless)).status).toBe(200);
    expect((await getStatus(requestId, "", undefined, bob)).status).toBe(200);
    expect((await download(requestId, cookieless)).status).toBe(200);
  });

  it("an uploaded CSV is served to its owner only", async () => {
    const { accepted } = await upload(alice);
    const location = accepted.uploadedToS3.location;

    const mine = await getFile(location, alice);
    expect(mine.status).toBe(200);
    expect(await mine.text()).toBe(csv);

    for (const stranger of [bob, cookieless]) {
      const refused = await getFile(location, stranger);
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ error: "No such file.", code: "not_found:file", status: 404 });
    }
  });

  it("a cookieless upload gets an owner cookie, and keeping it finds the request", async () => {
    const fileName = uniqueFileName();
    const { response, accepted } = await upload(cookieless, fileName);
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^cic_owner=[\w-]{16,64}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);

    const jar: Caller = { cookie: setCookie.split(";")[0] };
    expect(await listed(jar)).toEqual([accepted.requestId]);
    expect((await getFile(accepted.uploadedToS3.location, jar)).status).toBe(200);
    expect(await requestsNamed(fileName)).toBe(1);
  });

  it("a browser that has its cookie is not given another", async () => {
    const { response } = await upload(alice);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("a forged owner cookie that is not an id owns nothing", async () => {
    await upload(alice);
    expect(await listed({ cookie: "cic_owner=x" })).toEqual([]);
  });
});

describe("output files handed to shops", () => {
  it("carry no request id: a file's URL does not open its request's status or output CSV", async () => {
    const { requestId } = (await upload(alice)).accepted;
    const status = await settle(requestId, alice);
    const urls = status.products.flatMap((product) =>
      product.images.flatMap((image) => [image.outputUrl, image.thumbnailUrl]),
    );
    const outputCsv = await download(requestId, alice);
    const inCsv = (await outputCsv.text()).match(/https?:\/\/[^,"\s]+/g) ?? [];
    for (const url of [...urls, ...inCsv.filter((url) => url.includes("/files/"))]) {
      expect(url).not.toContain(requestId);
      // The folder the files are kept under is no key to the request.
      const folder = new URL(url!).pathname.split("/")[3];
      expect((await getStatus(folder, "", undefined, bob)).status).toBe(404);
      expect((await download(folder, bob)).status).toBe(404);
    }
    expect(urls.length).toBeGreaterThan(0);
  });
});
