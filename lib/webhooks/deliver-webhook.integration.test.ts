import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Settings are read once at start-up, so they are set before the modules under test load.
vi.hoisted(() => {
  process.env.WEBHOOK_SECRET = "shop-secret";
  process.env.WEBHOOK_MAX_ATTEMPTS = "3";
  // The service's default webhook; nothing listens on this loopback port.
  process.env.WEBHOOK_URL = "http://127.0.0.1:2/hooks/secret-token";
});

import { settle, uploadCsv } from "@/test/api";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";

type Call = { headers: IncomingMessage["headers"]; body: string };

let images: ImageServer;
let hook: { origin: string; calls: Map<string, Call[]>; answers: Map<string, number[]>; close: () => Promise<void> };

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(), "image/jpeg"));

  const calls = new Map<string, Call[]>();
  const answers = new Map<string, number[]>();
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      calls.set(path, [...(calls.get(path) ?? []), { headers: request.headers, body }]);
      const status = answers.get(path)?.shift() ?? 204;
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hook = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
});

afterAll(async () => {
  await images.close();
  await hook.close();
});

async function run(path: string) {
  const response = await uploadCsv(`S. No.,Product Name,Input Image Urls\n1,Item,${images.url("/a.jpg")}\n`, {
    fields: { webhookUrl: `${hook.origin}${path}` },
  });
  expect(response.status).toBe(202);
  return settle((await response.json()).requestId);
}

describe("webhook", () => {
  it("posts the finished request once, signed with the secret", async () => {
    const status = await run("/ok");
    const [call, ...more] = hook.calls.get("/ok")!;
    expect(more).toEqual([]);
    const payload = JSON.parse(call.body);
    expect(payload).toMatchObject({
      event: "request.finished",
      requestId: status.requestId,
      status: "completed",
      progress: { processedImages: 1, percent: 100 },
    });
    expect(payload.downloadUrl).toMatch(/^http:\/\/127\.0\.0\.1:3999\/api\/csv\/download\//);
    const timestamp = call.headers["x-webhook-timestamp"] as string;
    // Computed here, as a receiver would, not with the service's own signing code.
    const expected = createHmac("sha256", "shop-secret").update(`${timestamp}.${call.body}`).digest("hex");
    expect(call.headers["x-webhook-signature"]).toBe(`sha256=${expected}`);
    expect(status.webhook).toMatchObject({ status: "delivered", attempts: 1, lastError: null });
  });

  it("retries a failing receiver and records the delivery", async () => {
    hook.answers.set("/flaky", [500, 503]);
    const status = await run("/flaky");
    expect(hook.calls.get("/flaky")).toHaveLength(3);
    expect(status.webhook).toMatchObject({ status: "delivered", attempts: 3 });
  });

  it("gives up after the attempt limit and says why", async () => {
    hook.answers.set("/down", [500, 500, 500, 500]);
    const status = await run("/down");
    expect(hook.calls.get("/down")).toHaveLength(3);
    expect(status.webhook).toMatchObject({ status: "failed", attempts: 3, lastError: "the webhook answered HTTP 500" });
    // The request itself is unaffected by its webhook.
    expect(status.status).toBe("completed");
  });

  it("calls the service's default webhook without showing its URL", async () => {
    const response = await uploadCsv(`S. No.,Product Name,Input Image Urls\n1,Item,${images.url("/a.jpg")}\n`);
    const accepted = await response.json();
    expect(accepted.webhookUrl).toBeNull();
    const status = await settle(accepted.requestId);
    expect(JSON.stringify(status)).not.toContain("secret-token");
    expect(status.webhook).toMatchObject({
      url: null,
      status: "failed",
      attempts: 3,
      lastError: "could not connect to 127.0.0.1",
    });
  });

  it("refuses a webhook on a private address at upload", async () => {
    const response = await uploadCsv(`S. No.,Product Name,Input Image Urls\n1,Item,${images.url("/a.jpg")}\n`, {
      fields: { webhookUrl: "http://169.254.169.254/latest" },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].message).toMatch(
      /^webhookUrl: blocked: 169.254.169.254 is the cloud metadata address/,
    );
  });
});
