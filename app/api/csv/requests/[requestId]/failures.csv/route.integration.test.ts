import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Keys mode: a request's files are its workspace's alone, as its status and output CSV are.
vi.hoisted(() => {
  process.env.AUTH_MODE = "keys";
  process.env.AUTH_SECRET = "a-secret-of-at-least-32-characters-for-tests";
});

import { createApiKey } from "@/lib/auth/workspace-keys";
import { type Caller, download, failuresReport, imagesZip, settle, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { productCsv } from "@/test/product-csv";
import { readCsv } from "@/test/read-csv";
import { photoJpeg } from "@/test/sample-images";

const route = { method: "get", path: "/api/csv/requests/{requestId}/failures.csv" } as const;
const bearer = (key: string): Caller => ({ authorization: `Bearer ${key}` });
let images: ImageServer;
let teamA: Caller;
let teamB: Caller;

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(64, 48), "image/jpeg"));
  images.route("/text.jpg", serveBytes(Buffer.from("this is not a picture"), "image/jpeg"));
  teamA = bearer((await createApiKey({ workspaceName: "failures-a" })).key);
  teamB = bearer((await createApiKey({ workspaceName: "failures-b" })).key);
});

afterAll(() => images.close());

async function upload(csv: string, as: Caller) {
  const response = await uploadCsv(csv, { as });
  expect(response.status, await response.clone().text()).toBe(202);
  const { requestId } = (await response.json()) as { requestId: string };
  await settle(requestId, as);
  return requestId;
}

describe("GET /api/csv/requests/:id/failures.csv", () => {
  it("lists every place of every failed image with its row, product, reason and attempts", async () => {
    const requestId = await upload(
      productCsv(
        ["Shirt", images.url("/a.jpg"), images.url("/missing.jpg")],
        ['=HYPERLINK("x")', images.url("/text.jpg")],
        ["Socks", images.url("/a.jpg")],
        ["Hat", images.url("/missing.jpg")],
      ),
      teamA,
    );
    const response = await failuresReport(requestId, teamA);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="products-failures\.csv"/);
    const text = await response.text();
    const [header, ...rows] = readCsv(text);
    expect(header).toEqual(["Row", "S. No.", "Product Name", "Input Image Url", "Reason", "Attempts"]);
    expect(rows.map((row) => row.slice(0, 4))).toEqual([
      ["2", "1", "Shirt", images.url("/missing.jpg")],
      // Written as the output CSV writes cells: a formula comes back inert.
      ["3", "2", '\'=HYPERLINK("x")', images.url("/text.jpg")],
      // The same failed URL in another row is named there too.
      ["5", "4", "Hat", images.url("/missing.jpg")],
    ]);
    expect(rows[0][4]).toMatch(/404/);
    expect(rows[1][4]).toMatch(/not an image/i);
    // A 404 and a text file are permanent failures: one attempt each.
    expect(rows.map((row) => row[5])).toEqual(["1", "1", "1"]);
  });

  it("is the header alone when nothing failed", async () => {
    const requestId = await upload(productCsv(["Shirt", images.url("/a.jpg")]), teamA);
    expect(await (await failuresReport(requestId, teamA)).text()).toBe(
      "Row,S. No.,Product Name,Input Image Url,Reason,Attempts\r\n",
    );
  });

  it("is its owner's alone, as the status and the other files of a request", async () => {
    const requestId = await upload(productCsv(["Shirt", images.url("/missing.jpg")]), teamA);
    for (const call of [failuresReport, imagesZip, download]) {
      const other = await call(requestId, teamB);
      expect(other.status).toBe(404);
      const anonymous = await call(requestId, {});
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    await expectContract(await failuresReport(requestId, teamB), route);
    await expectContract(await failuresReport(requestId, {}), route);
    expect((await failuresReport(requestId, teamA)).status).toBe(200);
  });
});
