import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_UPLOADS_PER_MINUTE = "100";
  process.env.RATE_LIMIT_SERVER_UPLOADS_PER_MINUTE = "4";
});

import { SOCKET_ADDRESS_HEADER } from "@/lib/auth/client-address";
import { getInlineRunner } from "@/lib/jobs/inline-runner";
import { uploadCsv } from "@/test/api";
import { requestsNamed, uniqueFileName } from "@/test/db";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

/**
 * The whole service's limits behind every client's: clients who are many (addresses of a botnet, a
 * network of them) get no more than the service's share together.
 *
 * On its own embedded database only (not `*.integration.test.ts`): the service's count is one for
 * every process on a database, and the other test files' uploads on the shared PostgreSQL would count.
 */

let images: ImageServer;

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(32, 24), "image/jpeg"));
});

afterAll(() => images.close());

describe("the service's uploads a minute", () => {
  it("hold against many clients, each well within its own limit", async () => {
    const csv = productCsv(["Item", images.url("/a.jpg")]);
    const from = (client: number) => ({ [SOCKET_ADDRESS_HEADER]: `192.0.2.${client}` });
    for (let client = 1; client <= 4; client++) {
      expect((await uploadCsv(csv, { as: from(client) })).status).toBe(202);
    }
    const fileName = uniqueFileName();
    const refused = await uploadCsv(csv, { as: from(5), fileName });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe('"uploads";q=4;w=60');
    expect((await refused.json()).error).toMatch(
      /^Too many uploads: the limit is 4 uploads a minute for the whole service \(RATE_LIMIT_SERVER_UPLOADS_PER_MINUTE\); nothing was stored\./,
    );
    expect(await requestsNamed(fileName)).toBe(0);
    await getInlineRunner().idle();
  });
});
