import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Settings are read once at start-up, so they are set before the modules under test load.
// A Standard Webhooks secret: whsec_ and 32 bytes in base64.
const SECRET = vi.hoisted(() => {
  const secret = "whsec_c2hvcC1zZWNyZXQtZm9yLXRlc3RzLW9ubHktMzItYnl0ZXMhIQ==";
  process.env.WEBHOOK_SECRET = secret;
  process.env.WEBHOOK_MAX_ATTEMPTS = "3";
  // The service's default webhook; nothing listens on this loopback port.
  process.env.WEBHOOK_URL = "http://127.0.0.1:2/hooks/secret-token";
  return secret;
});

import { eq } from "drizzle-orm";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { getDb } from "@/db/client";
import { requests } from "@/db/schema";
import { settle, uploadCsv } from "@/test/api";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

type Call = { headers: IncomingMessage["headers"]; body: string; at: number };

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
      calls.set(path, [...(calls.get(path) ?? []), { headers: request.headers, body, at: Date.now() }]);
      const status = answers.get(path)?.shift() ?? 204;
      // Paths under /wait ask for a second's pause before the next try.
      response.writeHead(status, path.startsWith("/wait") ? { "retry-after": "1" } : {}).end();
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

/** Secrets the uploads were answered with, by the webhook path they chose. */
const secrets = new Map<string, string>();

async function run(path: string) {
  const response = await uploadCsv(productCsv(["Item", images.url("/a.jpg")]), {
    fields: { webhookUrl: `${hook.origin}${path}` },
  });
  expect(response.status).toBe(202);
  const accepted = await response.json();
  secrets.set(path, accepted.webhookSecret);
  return settle(accepted.requestId);
}

describe("webhook", () => {
  it("posts the finished request once, following Standard Webhooks", async () => {
    const status = await run("/ok");
    const [call, ...more] = hook.calls.get("/ok")!;
    expect(more).toEqual([]);
    const payload = JSON.parse(call.body);
    expect(payload).toMatchObject({
      type: "request.finished",
      event: "request.finished",
      requestId: status.requestId,
      status: "completed",
      progress: { processedImages: 1, percent: 100 },
    });
    expect(payload.downloadUrl).toMatch(/^http:\/\/127\.0\.0\.1:3999\/api\/csv\/download\//);
    // One id per closing of the request: every attempt at this delivery carries it.
    expect(call.headers["webhook-id"]).toBe(`msg_${status.requestId}_${Date.parse(status.completedAt!)}`);
    expect(status.webhook).toMatchObject({ status: "delivered", attempts: 1, lastError: null });

    // Signed with the secret the upload was answered with: the uploader's own, since it chose the URL.
    const secret = secrets.get("/ok")!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // A receiver verifies with the standardwebhooks library…
    const headers = call.headers as Record<string, string>;
    expect(new Webhook(secret).verify(call.body, headers)).toEqual(payload);
    // …or by hand: HMAC-SHA256 of "id.timestamp.body" with the secret's bytes, computed here.
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const signed = `${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${call.body}`;
    const expected = createHmac("sha256", key).update(signed).digest("base64");
    expect(headers["webhook-signature"]).toBe(`v1,${expected}`);
    expect(Math.abs(Number(headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
  });

  it("fails verification when the body is tampered with or the timestamp is stale", async () => {
    await run("/verify");
    const [call] = hook.calls.get("/verify")!;
    const headers = call.headers as Record<string, string>;
    const receiver = new Webhook(secrets.get("/verify")!);
    const tampered = call.body.replace('"completed"', '"failed"');
    expect(() => receiver.verify(tampered, headers)).toThrow(WebhookVerificationError);
    const stale = { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) - 3600) };
    expect(() => receiver.verify(call.body, stale)).toThrow(/too old/);
    const otherSecret = new Webhook("whsec_" + Buffer.alloc(32, 7).toString("base64"));
    expect(() => otherSecret.verify(call.body, headers)).toThrow(WebhookVerificationError);
  });

  it("never signs a webhook an uploader chose with the operator's secret", async () => {
    // Otherwise anyone could have genuine signatures of WEBHOOK_SECRET made for a body they choose
    // the request of, and replay them to the operator's own receiver.
    await run("/chosen");
    const [call] = hook.calls.get("/chosen")!;
    const headers = call.headers as Record<string, string>;
    expect(() => new Webhook(SECRET).verify(call.body, headers)).toThrow(WebhookVerificationError);
    expect(new Webhook(secrets.get("/chosen")!).verify(call.body, headers)).toMatchObject({ status: "completed" });
    // An upload that names no webhook of its own gets no secret: the service's default is the operator's.
    const plain = await uploadCsv(productCsv(["Item", images.url("/a.jpg")]));
    const accepted = await plain.json();
    expect(accepted.webhookSecret).toBeNull();
    await settle(accepted.requestId);
  });

  it("shows the webhook URL without its query string or credentials", async () => {
    const response = await uploadCsv(productCsv(["Item", images.url("/a.jpg")]), {
      fields: { webhookUrl: `${hook.origin}/with-token?token=receiver-secret#frag` },
    });
    const accepted = await response.json();
    expect(accepted.webhookUrl).toBe(`${hook.origin}/with-token`);
    const status = await settle(accepted.requestId);
    expect(status.webhook).toMatchObject({ url: `${hook.origin}/with-token`, status: "delivered" });
    expect(JSON.stringify(status)).not.toContain("receiver-secret");
    // The receiver still gets its token.
    expect(hook.calls.get("/with-token?token=receiver-secret")).toHaveLength(1);
  });

  it("keeps the same webhook-id on every retry of one delivery", async () => {
    hook.answers.set("/same-id", [503]);
    await run("/same-id");
    const ids = hook.calls.get("/same-id")!.map((call) => call.headers["webhook-id"]);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
  });

  it("does not retry a permanent answer: 4xx other than 408 and 429", async () => {
    hook.answers.set("/gone", [410, 410, 410]);
    const status = await run("/gone");
    expect(hook.calls.get("/gone")).toHaveLength(1);
    expect(status.webhook).toMatchObject({
      status: "failed",
      attempts: 1,
      lastError: "the webhook answered HTTP 410 (not retried)",
    });

    hook.answers.set("/busy", [429]);
    expect((await run("/busy")).webhook).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("does not retry a webhook the address guard refuses at delivery (its name now points inside)", async () => {
    images.route("/slow.jpg", async (request, response, hit) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await serveBytes(await photoJpeg(32, 32), "image/jpeg")(request, response, hit);
    });
    const response = await uploadCsv(productCsv(["Item", images.url("/slow.jpg")]), {
      fields: { webhookUrl: `${hook.origin}/moved` },
    });
    const { requestId } = await response.json();
    // As if the webhook's host had been re-pointed at a private address since the upload: the guard
    // judges the address without connecting to it.
    const db = await getDb();
    await db.update(requests).set({ webhookUrl: "http://10.0.0.1/hooks" }).where(eq(requests.id, requestId));
    const status = await settle(requestId);
    expect(status.webhook).toMatchObject({ status: "failed", attempts: 1 });
    expect(status.webhook!.lastError).toMatch(/^blocked: 10\.0\.0\.1 is a private network address .*\(not retried\)$/);
  });

  it("waits as long as a busy receiver asks (Retry-After) before trying again, as image downloads do", async () => {
    hook.answers.set("/wait/busy", [429]);
    const status = await run("/wait/busy");
    const [first, second] = hook.calls.get("/wait/busy")!;
    expect(status.webhook).toMatchObject({ status: "delivered", attempts: 2 });
    // Backoff alone would have tried again within a tenth of a second (RETRY_BASE_MS=20).
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
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
    expect(new Set(hook.calls.get("/down")!.map((call) => call.headers["webhook-id"])).size).toBe(1);
    // The request itself is unaffected by its webhook.
    expect(status.status).toBe("completed");
  });

  it("calls the service's default webhook without showing its URL", async () => {
    const response = await uploadCsv(productCsv(["Item", images.url("/a.jpg")]));
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
    const response = await uploadCsv(productCsv(["Item", images.url("/a.jpg")]), {
      fields: { webhookUrl: "http://169.254.169.254/latest" },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].message).toMatch(
      /^webhookUrl: blocked: 169.254.169.254 is the cloud metadata address/,
    );
  });
});
