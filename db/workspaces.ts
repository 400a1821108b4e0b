import "server-only";
import { and, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { getDb } from "./client";
import { apiKeys, type ApiKeyRow, sessions, workspaces, type WorkspaceRow } from "./schema";

/** Workspaces of keys mode, their API keys, and the dashboard's sessions signed in with them. */

export async function findWorkspaceByName(name: string): Promise<WorkspaceRow | null> {
  const db = await getDb();
  const [row] = await db.select().from(workspaces).where(eq(workspaces.name, name));
  return row ?? null;
}

export async function findWorkspace(id: string): Promise<WorkspaceRow | null> {
  const db = await getDb();
  const [row] = await db.select().from(workspaces).where(eq(workspaces.id, id));
  return row ?? null;
}

/** Creates a workspace unless one of that name exists; either way returns it. */
export async function ensureWorkspace(workspace: Pick<WorkspaceRow, "id" | "name" | "webhookSecret">) {
  const db = await getDb();
  await db.insert(workspaces).values(workspace).onConflictDoNothing({ target: workspaces.name });
  return (await findWorkspaceByName(workspace.name))!;
}

export async function insertApiKey(key: Pick<ApiKeyRow, "workspaceId" | "prefix" | "hash" | "name">) {
  const db = await getDb();
  const [row] = await db.insert(apiKeys).values(key).returning();
  return row;
}

/** A key by its prefix, with its workspace; revoked keys too (the caller decides). */
export async function findApiKey(prefix: string) {
  const db = await getDb();
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix));
  return row ?? null;
}

export async function findApiKeyById(id: number) {
  const db = await getDb();
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  return row ?? null;
}

/**
 * Starts a dashboard session. Sessions that have ended or expired are forgotten on the way: they can
 * never be used again, and signing in is rare enough to carry that work.
 */
export async function startSession(session: { id: string; workspaceId: string; keyId: number; expiresAt: Date }) {
  const db = await getDb();
  const now = new Date();
  await db.delete(sessions).where(or(lt(sessions.expiresAt, now), lt(sessions.endedAt, now)));
  await db.insert(sessions).values(session);
}

/** A session that has not ended or expired, signed in with a key that is not revoked. */
export async function findLiveSession(id: string): Promise<{ workspaceId: string; keyId: number } | null> {
  const db = await getDb();
  const [row] = await db
    .select({ workspaceId: sessions.workspaceId, keyId: sessions.keyId })
    .from(sessions)
    .innerJoin(apiKeys, eq(apiKeys.id, sessions.keyId))
    .where(
      and(eq(sessions.id, id), isNull(sessions.endedAt), gt(sessions.expiresAt, new Date()), isNull(apiKeys.revokedAt)),
    );
  return row ?? null;
}

/** Ends a session (signing out): the cookie that names it opens nothing any more. */
export async function endSession(id: string) {
  const db = await getDb();
  await db
    .update(sessions)
    .set({ endedAt: new Date() })
    .where(and(eq(sessions.id, id), isNull(sessions.endedAt)));
}

/** Notes a key's use; at most once a minute, so a busy client does not write on every call. */
export async function touchApiKey(id: number) {
  const db = await getDb();
  await db
    .update(apiKeys)
    .set({ lastUsedAt: new Date() })
    .where(
      and(
        eq(apiKeys.id, id),
        sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < now() - interval '1 minute')`,
      ),
    );
}

/** Keys of one workspace, or of all, newest first, with their workspace's name. */
export async function listApiKeys(workspaceId?: string) {
  const db = await getDb();
  return db
    .select({
      prefix: apiKeys.prefix,
      name: apiKeys.name,
      workspace: workspaces.name,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
    .where(workspaceId ? eq(apiKeys.workspaceId, workspaceId) : undefined)
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** Ends a key at once; with `workspaceId`, only that workspace's. Returns whether a key was revoked. */
export async function revokeApiKey({ prefix, workspaceId }: { prefix: string; workspaceId?: string }) {
  const db = await getDb();
  const revoked = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiKeys.prefix, prefix),
        sql`${apiKeys.revokedAt} is null`,
        workspaceId ? eq(apiKeys.workspaceId, workspaceId) : undefined,
      ),
    )
    .returning({ id: apiKeys.id });
  return revoked.length > 0;
}
