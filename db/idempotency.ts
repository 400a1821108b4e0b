import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { getDb } from "./client";
import { idempotencyKeys } from "./schema";

/** Idempotency keys of uploads: a key answers its first 202 again for a day. */

/**
 * Takes an idempotency key for an upload about to be accepted. Returns null when the key was free
 * (the caller goes on), else the row already there. A row older than `maxAgeMs` is replaced.
 */
export async function claimIdempotencyKey({
  scope,
  key,
  fingerprint,
  maxAgeMs,
}: {
  scope: string;
  key: string;
  fingerprint: string;
  maxAgeMs: number;
}) {
  const db = await getDb();
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.scope, scope),
        eq(idempotencyKeys.key, key),
        sql`${idempotencyKeys.createdAt} < now() - make_interval(secs => ${maxAgeMs / 1000})`,
      ),
    );
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ scope, key, fingerprint })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return null;
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return row ?? null;
}

export async function findIdempotencyKey({ scope, key }: { scope: string; key: string }) {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return row ?? null;
}

export async function saveIdempotentResponse({
  scope,
  key,
  response,
}: {
  scope: string;
  key: string;
  response: Record<string, unknown>;
}) {
  const db = await getDb();
  await db
    .update(idempotencyKeys)
    .set({ response })
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

/** Frees a key whose upload was refused or failed: the client may try again with it. */
export async function releaseIdempotencyKey({ scope, key }: { scope: string; key: string }) {
  const db = await getDb();
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}
