import "server-only";
import { createHmac } from "node:crypto";
import { findRequest, recordWebhookAttempt } from "@/db/queries";
import { config } from "@/lib/config";
import { metrics } from "@/lib/metrics";
import { guardedRequest } from "@/lib/fetch/guarded-request";
import { retryDelay } from "@/lib/processing/backoff";
import { progressOf } from "@/lib/requests/status";
import { requestLinks } from "@/lib/requests/links";

export type WebhookAttempt = { kind: "delivered" | "failed" | "skipped" } | { kind: "retry"; delayMs: number };

const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * Tells the request's webhook that it is finished: one POST of JSON, signed with WEBHOOK_SECRET
 * when set. A 2xx answer is delivery; anything else is retried with backoff up to the attempt limit.
 * The webhook goes through the same SSRF guard as image downloads.
 */
export async function attemptWebhook(requestId: string): Promise<WebhookAttempt> {
  const request = await findRequest(requestId);
  if (!request?.webhookUrl || request.webhookStatus !== "pending" || request.status === "processing")
    return { kind: "skipped" };

  const links = requestLinks(request.id);
  const body = JSON.stringify({
    event: "request.finished",
    requestId: request.id,
    status: request.status,
    fileName: request.fileName,
    completedAt: request.completedAt?.toISOString() ?? null,
    progress: progressOf(request),
    error: request.error,
    statusUrl: `${config.publicBaseUrl}${links.statusUrl}`,
    downloadUrl: `${config.publicBaseUrl}${links.downloadUrl}`,
  });
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "csv-image-compressor-webhook/1",
    "x-webhook-timestamp": timestamp,
  };
  if (config.webhook.secret)
    headers["x-webhook-signature"] = `sha256=${signWebhook(config.webhook.secret, timestamp, body)}`;

  let error: string | null = null;
  try {
    const response = await guardedRequest(request.webhookUrl, {
      method: "POST",
      headers,
      body,
      maxBytes: 64 * 1024,
      timeoutMs: WEBHOOK_TIMEOUT_MS,
      maxRedirects: 0,
    });
    if (response.status < 200 || response.status >= 300) error = `the webhook answered HTTP ${response.status}`;
  } catch (cause) {
    error = (cause as Error).message;
  }

  const finalFailure = error !== null && request.webhookAttempts + 1 >= config.webhook.maxAttempts;
  const attempts = await recordWebhookAttempt({ requestId, delivered: error === null, finalFailure, error });
  if (attempts === null) return { kind: "skipped" };
  const outcome = error === null ? "delivered" : finalFailure ? "failed" : "retry";
  metrics.webhookDeliveries.inc({ outcome });
  if (outcome !== "retry") return { kind: outcome };
  return { kind: "retry", delayMs: retryDelay(attempts) };
}

/** HMAC-SHA256 over `timestamp.body`; receivers recompute it to trust the call and reject replays. */
function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}
