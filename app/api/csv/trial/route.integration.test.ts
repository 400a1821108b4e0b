import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_TRIALS_PER_MINUTE = "3";
});

import sharp from "sharp";
import { count, like } from "drizzle-orm";
import { getDb } from "@/db/client";
import { images as imageRows } from "@/db/schema";
import { GET as trialFileRoute } from "@/app/api/csv/trial/[trialId]/[index]/[side]/route";
import { POST as trialRoute } from "@/app/api/csv/trial/route";
import { SOCKET_ADDRESS_HEADER } from "@/lib/auth/client-address";
import type { TrialResult } from "@/lib/contract";
import { expectContract } from "@/test/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { cutoutPng, photoJpeg } from "@/test/sample-images";

/**
 * The trial through its real route: real downloads from 127.0.0.1, real sharp on the image threads,
 * the before and after read back through their own route. Each test is its own client (address),
 * so trial counts do not mix.
 */

const ORIGIN = "http://127.0.0.1:3999";
const trial = { method: "post", path: "/api/csv/trial" } as const;
let server: ImageServer;
let clients = 0;

beforeAll(async () => {
  server = await startImageServer();
  server.route("/photo.jpg", serveBytes(await photoJpeg(640, 480), "image/jpeg"));
  server.route("/cutout.png", serveBytes(await cutoutPng(300, 200), "image/png"));
  server.route("/notes.txt", serveBytes(Buffer.from("not an image at all"), "image/jpeg"));
  server.route("/to-private", (_request, response) => {
    response.writeHead(302, { location: "http://10.0.0.7/photo.jpg" }).end();
  });
});

afterAll(() => server.close());

function newClient() {
  clients += 1;
  return { [SOCKET_ADDRESS_HEADER]: `198.51.100.${clients}` };
}

function tryImages(body: unknown, as: Record<string, string> = newClient()) {
  return trialRoute(
    new Request(`${ORIGIN}/api/csv/trial`, {
      method: "POST",
      headers: { "content-type": "application/json", ...as },
      body: JSON.stringify(body),
    }),
  );
}

function getTrialFile(url: string) {
  const [trialId, index, side] = url.replace("/api/csv/trial/", "").split("/");
  return trialFileRoute(new Request(`${ORIGIN}${url}`), { params: Promise.resolve({ trialId, index, side }) });
}

/**
 * Image rows with this server's URLs: a trial must leave none (a request is stored with its images).
 * Other test files upload meanwhile, to servers of their own, so rows are counted by URL.
 */
async function rowsOfThisServer() {
  const db = await getDb();
  const [row] = await db
    .select({ n: count() })
    .from(imageRows)
    .where(like(imageRows.url, `${server.origin}/%`));
  return row.n;
}

describe("POST /api/csv/trial", () => {
  it("compresses a few images with the upload's options and serves each before and after, storing nothing", async () => {
    const response = await tryImages({
      urls: [server.url("/photo.jpg"), server.url("/cutout.png"), server.url("/notes.txt")],
      quality: 40,
      format: "webp",
      maxWidth: 320,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("RateLimit-Policy")).toBe('"trials";q=3;w=60');
    const result = (await expectContract(response, trial)) as TrialResult;
    expect(result.quality).toBe(40);
    expect(result.options).toEqual({ format: "webp", maxWidth: 320, maxHeight: null, maxBytes: null });
    expect(Date.parse(result.expiresAt)).toBeGreaterThan(Date.now());

    const [photo, cutout, notes] = result.images;
    expect(photo).toMatchObject({ status: "completed", format: "webp", width: 320, height: 240, error: null });
    expect(photo.bytesOut!).toBeLessThan(photo.bytesIn!);
    expect(photo.savedPercent).toBe(Math.round((1 - photo.bytesOut! / photo.bytesIn!) * 100));
    expect(cutout).toMatchObject({ status: "completed", format: "webp", width: 300, height: 200 });
    expect(notes).toMatchObject({ status: "failed", beforeUrl: null, afterUrl: null });
    expect(notes.error).toBe("The URL returned text, not an image");

    // The after is the output itself; the before, the original at the same size, made by the service.
    const after = await getTrialFile(photo.afterUrl!);
    expect(after.status).toBe(200);
    expect(after.headers.get("content-type")).toBe("image/webp");
    const afterBytes = Buffer.from(await after.arrayBuffer());
    expect(afterBytes.length).toBe(photo.bytesOut);
    const beforeFile = await getTrialFile(photo.beforeUrl!);
    expect(beforeFile.headers.get("content-type")).toBe("image/jpeg");
    const beforeMeta = await sharp(Buffer.from(await beforeFile.arrayBuffer())).metadata();
    expect([beforeMeta.width, beforeMeta.height]).toEqual([320, 240]);
    // Transparency kept in the before, which is WebP then.
    const cutoutBefore = await sharp(
      Buffer.from(await (await getTrialFile(cutout.beforeUrl!)).arrayBuffer()),
    ).metadata();
    expect(cutoutBefore).toMatchObject({ format: "webp", hasAlpha: true });

    expect(await rowsOfThisServer()).toBe(0);
    // The first trial starts the image threads.
  }, 120_000);

  it("refuses more than 5 URLs, none, and URLs that are not http or https, trying nothing", async () => {
    const urls = Array.from({ length: 6 }, (_, index) => server.url(`/photo.jpg?n=${index}`));
    const hits = server.hits("/photo.jpg");
    const tooMany = await tryImages({ urls });
    expect(tooMany.status).toBe(400);
    expect(await expectContract(tooMany, trial)).toMatchObject({
      code: "bad_request:body",
      error: "urls: A trial compresses at most 5 images; upload the CSV to compress them all.",
    });
    const none = await tryImages({ urls: [] });
    expect(((await none.json()) as { error: string }).error).toBe("urls: Name at least one image URL to try.");
    const file = await tryImages({ urls: [server.url("/photo.jpg"), "file:///etc/passwd"] });
    expect(file.status).toBe(400);
    expect(((await file.json()) as { error: string }).error).toBe(
      'urls.1: "file:///etc/passwd" uses file:, only http and https image URLs can be downloaded',
    );
    // Options are refused in the upload's words, naming what came.
    const refusedWith = async (body: object) => ((await (await tryImages(body)).json()) as { error: string }).error;
    const photo = server.url("/photo.jpg");
    expect(await refusedWith({ urls: [photo], quality: 0 })).toBe(
      "quality must be a whole number from 1 to 100 (got 0).",
    );
    expect(await refusedWith({ urls: [photo], quality: "60" })).toBe(
      'quality must be a whole number from 1 to 100 (got "60").',
    );
    expect(await refusedWith({ urls: [photo], format: "gif" })).toBe(
      'format must be one of keep, jpeg, png, webp, avif, auto (got "gif").',
    );
    expect(await refusedWith({ url: [photo] })).toBe("urls is missing.");
    expect(server.hits("/photo.jpg")).toBe(hits);
  });

  it("refuses a client over its trials a minute with 429 and Retry-After, trying nothing", async () => {
    const client = newClient();
    for (let n = 0; n < 3; n++)
      expect((await tryImages({ urls: [server.url("/photo.jpg")] }, client)).status).toBe(200);
    const hits = server.hits("/photo.jpg");
    const refused = await tryImages({ urls: [server.url("/photo.jpg")] }, client);
    expect(refused.status).toBe(429);
    const body = (await expectContract(refused, trial)) as { error: string; code: string };
    expect(body.code).toBe("too_many_requests:rate_limit");
    expect(body.error).toMatch(
      /^Too many trials: the limit is 3 trials a minute \(RATE_LIMIT_TRIALS_PER_MINUTE\); no image was tried\. Try again in \d+ s\.$/,
    );
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(server.hits("/photo.jpg")).toBe(hits);
    // Another client is not held back.
    expect((await tryImages({ urls: [server.url("/photo.jpg")] })).status).toBe(200);
  });

  it("applies the address guard: private addresses and redirects to them fail with the reason", async () => {
    // Literal addresses are judged before any connection is made: nothing leaves 127.0.0.1.
    const response = await tryImages({
      urls: ["http://169.254.169.254/latest/meta-data", "http://10.0.0.7/photo.jpg", server.url("/to-private")],
    });
    const { images } = (await expectContract(response, trial)) as TrialResult;
    expect(images.map((image) => image.status)).toEqual(["failed", "failed", "failed"]);
    expect(images[0].error).toMatch(/^Blocked: 169\.254\.169\.254 is the cloud metadata address/);
    expect(images[1].error).toMatch(/^Blocked: 10\.0\.0\.7 is a private network address/);
    expect(images[2].error).toMatch(/10\.0\.0\.7 is a private network address/);
  });

  it("answers 404 with a reason for a trial image that is not (or no longer) kept", async () => {
    const missing = await getTrialFile("/api/csv/trial/00000000-0000-4000-8000-000000000000/1/after");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      code: "not_found:trial",
      error: expect.stringMatching(/try the images again/),
    });
    expect((await getTrialFile("/api/csv/trial/x/1/original")).status).toBe(404);
  });
});
