import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_UPLOADS_PER_MINUTE = "3";
  process.env.RATE_LIMIT_IMAGES_PER_HOUR = "5";
  process.env.RATE_LIMIT_REQUESTS_AT_ONCE = "2";
});

import { addressLimitKey, SOCKET_ADDRESS_HEADER } from "@/lib/auth/client-address";
import { getInlineRunner } from "@/lib/jobs/inline-runner";
import { type Caller, getStatus, retryRequest, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { requestsNamed, uniqueFileName } from "@/test/db";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

/**
 * Limits per client (here: per address, open mode): uploads a minute, images an hour, requests
 * processing at once. Each test is its own client, so their counts do not mix.
 */

const upload = { method: "post", path: "/api/csv/upload" } as const;
let images: ImageServer;
let clients = 0;

beforeAll(async () => {
  images = await startImageServer();
  const small = serveBytes(await photoJpeg(32, 24), "image/jpeg");
  images.route("/slow.jpg", async (request, response, hit) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await small(request, response, hit);
  });
  for (let index = 0; index < 8; index++) images.route(`/${index}.jpg`, small);
});

afterAll(() => images.close());
afterEach(() => vi.useRealTimers());

/** A new client: its own address (as the server captures it from the socket) and browser. */
function newClient(): Caller {
  clients += 1;
  return { [SOCKET_ADDRESS_HEADER]: `198.51.100.${clients}`, cookie: `cic_owner=rate-limit-client-${clients}-0000` };
}

function csvWith(paths: string[]) {
  return productCsv(["Item", ...paths.map((path) => images.url(path))]);
}

describe("uploads a minute", () => {
  it("the limit-th + 1 upload is a 429 with the headers, and nothing is stored; the window reopens", async () => {
    const client = newClient();
    const first = await uploadCsv(csvWith(["/0.jpg"]), { as: client });
    expect(first.status).toBe(202);
    expect(first.headers.get("ratelimit-policy")).toBe('"uploads";q=3;w=60');
    expect(first.headers.get("ratelimit")).toMatch(/^"uploads";r=2;t=(59|60)$/);
    for (let index = 0; index < 2; index++) {
      // One at a time: two processing at once is a limit of its own.
      await getInlineRunner().idle();
      expect((await uploadCsv(csvWith(["/0.jpg"]), { as: client })).status).toBe(202);
    }
    await getInlineRunner().idle();

    const fileName = uniqueFileName();
    const refused = await uploadCsv(csvWith(["/0.jpg"]), { as: client, fileName });
    expect(refused.status).toBe(429);
    await expectContract(refused, upload);
    expect(refused.headers.get("retry-after")).toMatch(/^(59|60)$/);
    expect(refused.headers.get("ratelimit-policy")).toBe('"uploads";q=3;w=60');
    expect(refused.headers.get("ratelimit")).toMatch(/^"uploads";r=0;t=(59|60)$/);
    expect(await refused.json()).toMatchObject({
      code: "too_many_requests:rate_limit",
      isValid: false,
      error: expect.stringMatching(
        /^Too many uploads: the limit is 3 uploads a minute \(RATE_LIMIT_UPLOADS_PER_MINUTE\); nothing was stored\. Try again in (59|60) s\.$/,
      ),
    });
    expect(await requestsNamed(fileName)).toBe(0);

    // Another client is not held back by this one.
    expect((await uploadCsv(csvWith(["/0.jpg"]), { as: newClient() })).status).toBe(202);

    // A minute later the window has reopened. Only the clock moves; timers stay real.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 61_000);
    expect((await uploadCsv(csvWith(["/0.jpg"]), { as: client, fileName })).status).toBe(202);
    expect(await requestsNamed(fileName)).toBe(1);
    await getInlineRunner().idle();
  });
});

describe("images an hour", () => {
  it("counts the images of each upload and refuses the upload that would pass the limit", async () => {
    const client = newClient();
    const tooBig = await uploadCsv(csvWith(["/0.jpg", "/1.jpg", "/2.jpg", "/3.jpg", "/4.jpg", "/5.jpg"]), {
      as: newClient(),
    });
    expect(tooBig.status).toBe(429);
    expect((await tooBig.json()).error).toMatch(
      /the limit is 5 images an hour \(RATE_LIMIT_IMAGES_PER_HOUR\) and this upload alone has 6/,
    );

    expect((await uploadCsv(csvWith(["/0.jpg", "/1.jpg", "/2.jpg"]), { as: client })).status).toBe(202);
    await getInlineRunner().idle();
    const fileName = uniqueFileName();
    const over = await uploadCsv(csvWith(["/3.jpg", "/4.jpg", "/5.jpg"]), { as: client, fileName });
    expect(over.status).toBe(429);
    expect(over.headers.get("ratelimit-policy")).toBe('"images";q=5;w=3600');
    expect(await requestsNamed(fileName)).toBe(0);
    // What still fits is accepted: the refused upload consumed nothing.
    expect((await uploadCsv(csvWith(["/3.jpg", "/4.jpg"]), { as: client })).status).toBe(202);
    await getInlineRunner().idle();
  });

  it("an upload refused for its CSV does not count its images", async () => {
    const client = newClient();
    const invalid = productCsv(["", images.url("/0.jpg"), images.url("/1.jpg"), images.url("/2.jpg")]);
    expect((await uploadCsv(invalid, { as: client })).status).toBe(400);
    expect((await uploadCsv(csvWith(["/0.jpg", "/1.jpg", "/2.jpg", "/3.jpg", "/4.jpg"]), { as: client })).status).toBe(
      202,
    );
    await getInlineRunner().idle();
  });
});

describe("requests processing at once", () => {
  it("a third request waits until one of two has finished", async () => {
    const client = newClient();
    for (let index = 0; index < 2; index++)
      expect((await uploadCsv(csvWith(["/slow.jpg"]), { as: client })).status).toBe(202);

    const fileName = uniqueFileName();
    const refused = await uploadCsv(csvWith(["/0.jpg"]), { as: client, fileName });
    expect(refused.status).toBe(429);
    await expectContract(refused, upload);
    expect(refused.headers.get("retry-after")).toBe("30");
    expect(await refused.json()).toMatchObject({
      code: "too_many_requests:processing",
      error: expect.stringContaining("You have 2 requests processing, the most at once (RATE_LIMIT_REQUESTS_AT_ONCE)"),
    });
    expect(await requestsNamed(fileName)).toBe(0);

    await getInlineRunner().idle();
    expect((await uploadCsv(csvWith(["/0.jpg"]), { as: client, fileName })).status).toBe(202);
    await getInlineRunner().idle();
  });
});

describe("retries", () => {
  /** A finished request of `count` images that all failed (the image host has none of them). */
  async function failedRequest(client: Caller, count: number): Promise<string> {
    const missing = Array.from({ length: count }, (_, index) => `/missing-${clients}-${index}.jpg`);
    const accepted = await uploadCsv(csvWith(missing), { as: client });
    expect(accepted.status).toBe(202);
    const { requestId } = (await accepted.json()) as { requestId: string };
    await getInlineRunner().idle();
    return requestId;
  }

  const statusOf = async (requestId: string, client: Caller) =>
    ((await (await getStatus(requestId, "?products=0", undefined, client)).json()) as { status: string }).status;

  it("count their images against the hour: a retry past the limit is a 429 and puts nothing back", async () => {
    const client = newClient();
    const requestId = await failedRequest(client, 3);
    // 3 of the hour's 5 images are spent: retrying 3 more would make 6.
    const refused = await retryRequest(requestId, client);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe('"images";q=5;w=3600');
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({
      code: "too_many_requests:rate_limit",
      error: expect.stringMatching(
        /^Too many images: the limit is 5 images an hour \(RATE_LIMIT_IMAGES_PER_HOUR\); no image was put back in line\./,
      ),
    });
    expect(await statusOf(requestId, client)).toBe("failed");
  });

  it("count as one more request processing at once", async () => {
    const client = newClient();
    const requestId = await failedRequest(client, 1);
    for (let index = 0; index < 2; index++)
      expect((await uploadCsv(csvWith(["/slow.jpg"]), { as: client })).status).toBe(202);
    const refused = await retryRequest(requestId, client);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("30");
    expect(await refused.json()).toMatchObject({
      code: "too_many_requests:processing",
      error: expect.stringContaining("no image was put back in line. Retry once one has finished."),
    });
    expect(await statusOf(requestId, client)).toBe("failed");

    await getInlineRunner().idle();
    const retried = await retryRequest(requestId, client);
    expect(retried.status).toBe(202);
    expect(retried.headers.get("ratelimit-policy")).toBe('"images";q=5;w=3600');
    await getInlineRunner().idle();
  });
});

describe("the address a client is counted under", () => {
  it("is the one its connection came from: a forged X-Forwarded-For gains nothing", async () => {
    const client = newClient();
    for (let index = 0; index < 3; index++) {
      const forged = { ...client, "x-forwarded-for": `203.0.113.${index + 1}` };
      expect((await uploadCsv(csvWith(["/0.jpg"]), { as: forged })).status).toBe(202);
      await getInlineRunner().idle();
    }
    const fourth = await uploadCsv(csvWith(["/0.jpg"]), { as: { ...client, "x-forwarded-for": "203.0.113.99" } });
    expect(fourth.status).toBe(429);
    expect((await fourth.json()).code).toBe("too_many_requests:rate_limit");
  });

  it("is one network for every address of an IPv6 /64", () => {
    expect(addressLimitKey("2001:db8:1:2::1")).toBe("ip6:2001:db8:1:2::/64");
    expect(addressLimitKey("2001:0db8:0001:0002:ffff:0:0:9")).toBe("ip6:2001:db8:1:2::/64");
    expect(addressLimitKey("2001:db8::5")).toBe("ip6:2001:db8:0:0::/64");
    expect(addressLimitKey("::ffff:192.0.2.7")).toBe("ip:192.0.2.7");
    expect(addressLimitKey("192.0.2.7")).toBe("ip:192.0.2.7");
  });
});
