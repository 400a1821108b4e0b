import "server-only";
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { getDb } from "./client";
import { requests } from "./schema";

/** A finished request's webhook: which wait for delivery, and what each attempt came to. */

export async function listRequestsAwaitingWebhook(): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: requests.id })
    .from(requests)
    .where(
      and(
        inArray(requests.status, ["completed", "failed", "cancelled"]),
        isNotNull(requests.completedAt),
        eq(requests.webhookStatus, "pending"),
        isNotNull(requests.webhookUrl),
      ),
    );
  return rows.map((row) => row.id);
}

export async function recordWebhookAttempt({
  requestId,
  delivered,
  finalFailure,
  error,
}: {
  requestId: string;
  delivered: boolean;
  finalFailure: boolean;
  error: string | null;
}) {
  const db = await getDb();
  const now = new Date();
  const [row] = await db
    .update(requests)
    .set({
      webhookAttempts: sql`${requests.webhookAttempts} + 1`,
      webhookStatus: delivered ? "delivered" : finalFailure ? "failed" : "pending",
      webhookLastError: error,
      webhookDeliveredAt: delivered ? now : null,
      updatedAt: now,
    })
    .where(and(eq(requests.id, requestId), eq(requests.webhookStatus, "pending")))
    .returning({ attempts: requests.webhookAttempts });
  return row?.attempts ?? null;
}
