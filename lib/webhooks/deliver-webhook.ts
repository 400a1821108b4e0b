import "server-only";
import { Webhook } from "standardwebhooks";
import { findRequest } from "@/db/requests";
import { findWorkspace } from "@/db/workspaces";
import { recordWebhookAttempt } from "@/db/webhooks";
import type { RequestRow } from "@/db/schema";
import { workspaceOf } from "@/lib/auth/identify-client";
import { config } from "@/lib/config";
import { guardedRequest } from "@/lib/fetch/guarded-request";
import { isTransientError, isTransientStatus, requestedWait } from "@/lib/fetch/transient";
import { metrics } from "@/lib/metrics";
import { retryDelay, retryPolicy } from "@/lib/jobs/retry-policy";
import { requestLinks } from "@/lib/requests/links";
import { progressOf } from "@/lib/requests/status";
import { requestChanged } from "@/lib/requests/status-answers";

export type WebhookAttempt = { kind: "delivered" | "failed" | "skipped" } | { kind: "retry"; delayMs: number };

const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * Tells the request's webhook that it is finished: one POST of JSON following Standard Webhooks
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature` with the `whsec_` secret), so receivers
 * verify it with any Standard Webhooks library and use `webhook-id` to drop a repeated delivery.
 * A 2xx answer is delivery. Network trouble, 5xx, 408 and 429 are retried (`lib/fetch/transient.ts`)
 * with backoff, or after the wait the receiver asked for, up to the attempt limit; an address the
 * guard refuses and any other answer will not change, so they end at once.
 */
export async function attemptWebhook(requestId: string): Promise<WebhookAttempt> {
  const request = await findRequest(requestId);
  if (!request?.webhookUrl || request.webhookStatus !== "pending" || !request.completedAt) {
    return { kind: "skipped" };
  }

  const sentAt = new Date();
  const body = JSON.stringify(payloadOf(request, sentAt));
  const messageId = webhookMessageId(request);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "csv-image-compressor-webhook/1",
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
  };
  const secret = await signingSecret(request);
  if (secret) headers["webhook-signature"] = new Webhook(secret).sign(messageId, sentAt, body);

  let failure: { message: string; final: boolean; waitMs?: number } | null = null;
  try {
    const response = await guardedRequest(request.webhookUrl, {
      method: "POST",
      headers,
      body,
      maxBytes: 64 * 1024,
      timeoutMs: WEBHOOK_TIMEOUT_MS,
      maxRedirects: 0,
    });
    if (response.status < 200 || response.status >= 300) {
      const final = !isTransientStatus(response.status);
      failure = {
        message: `the webhook answered HTTP ${response.status}${final ? " (not retried)" : ""}`,
        final,
        waitMs: requestedWait(response.headers),
      };
    }
  } catch (error) {
    const final = !isTransientError(error);
    failure = { message: `${(error as Error).message}${final ? " (not retried)" : ""}`, final };
  }

  const finalFailure =
    failure !== null && (failure.final || request.webhookAttempts + 1 >= retryPolicy.webhookAttempts);
  const attempts = await recordWebhookAttempt({
    requestId,
    delivered: failure === null,
    finalFailure,
    error: failure?.message ?? null,
  });
  requestChanged(requestId);
  if (attempts === null) return { kind: "skipped" };
  const outcome = failure === null ? "delivered" : finalFailure ? "failed" : "retry";
  metrics.webhookDeliveries.inc({ outcome });
  if (outcome !== "retry") return { kind: outcome };
  return { kind: "retry", delayMs: failure?.waitMs ?? retryDelay(attempts) };
}

/**
 * The secret that belongs to the receiver's owner: a workspace's request is signed with the
 * workspace's secret; a webhook an open-mode uploader chose, with the secret its upload was answered
 * with; the operator's own WEBHOOK_URL with WEBHOOK_SECRET. Anything else goes unsigned rather than
 * signed with a secret that is somebody else's.
 */
async function signingSecret(request: RequestRow): Promise<string | undefined> {
  const workspaceId = workspaceOf(request.owner);
  if (workspaceId) return (await findWorkspace(workspaceId))?.webhookSecret;
  if (request.webhookSecret) return request.webhookSecret;
  return request.webhookUrl === config.webhook.defaultUrl ? config.webhook.secret : undefined;
}

/**
 * The same for every attempt at one delivery, so a receiver can tell a retry from a new event; a
 * request closed again after "retry failed images" is a new event.
 */
function webhookMessageId(request: RequestRow): string {
  return `msg_${request.id}_${request.completedAt?.getTime() ?? 0}`;
}

function payloadOf(request: RequestRow, sentAt: Date) {
  const links = requestLinks(request.id);
  return {
    type: "request.finished",
    timestamp: sentAt.toISOString(),
    // The fields earlier receivers read, unchanged.
    event: "request.finished",
    requestId: request.id,
    status: request.status,
    fileName: request.fileName,
    completedAt: request.completedAt?.toISOString() ?? null,
    progress: progressOf(request),
    error: request.error,
    statusUrl: `${config.publicBaseUrl}${links.statusUrl}`,
    downloadUrl: `${config.publicBaseUrl}${links.downloadUrl}`,
  };
}
