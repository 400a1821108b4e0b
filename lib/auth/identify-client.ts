import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { findApiKey, findLiveSession, touchApiKey } from "@/db/workspaces";
import { config } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { apiKeyMatches, apiKeyPrefix } from "./api-keys";
import { addressLimitKey, clientAddress } from "./client-address";
import { cookieOf, isOwnerId, OWNER_COOKIE, readSession, SESSION_COOKIE } from "./session";

/**
 * Who is calling, and what they may see.
 *
 * Open mode (the default, zero set-up): a browser is known by its anonymous owner cookie and sees its
 * own requests; an API client without the cookie owns nothing and lists nothing, and reaches a
 * request by its id. Keys mode: every call carries a workspace's API key (`Authorization: Bearer`)
 * or the dashboard's session cookie, and sees only that workspace.
 */
export type Client = {
  /** Owner of the requests this client makes and lists; null for an open-mode API client. */
  owner: string | null;
  workspaceId: string | null;
  /** The API key it calls with or signed in with (keys mode). */
  keyId: number | null;
  /** What its limits are counted under: its workspace, else its address. */
  limitKey: string;
  via: "anonymous" | "cookie" | "api_key" | "session";
};

export function workspaceOwner(workspaceId: string): string {
  return `ws:${workspaceId}`;
}

/** The workspace an owner names, or null for an anonymous owner. */
export function workspaceOf(owner: string | null): string | null {
  return owner?.startsWith("ws:") ? owner.slice(3) : null;
}

export function anonymousOwner(ownerId: string): string {
  return `anon:${ownerId}`;
}

/** The caller as seen by a page: the same rules, read from the incoming request's headers. Keys mode without a session: the sign-in page. */
export async function identifyPageClient(): Promise<Client> {
  const client = await identifyClientOrNull(new Request("http://page.invalid/", { headers: await headers() }));
  if (!client) redirect("/sign-in");
  return client;
}

/** The caller, or null where a missing key should look like a missing thing (files, pages): a 404, not a 401. */
export async function identifyClientOrNull(request: Request): Promise<Client | null> {
  try {
    return await identifyClient(request);
  } catch (error) {
    if (error instanceof AppError && error.code === "unauthorized") return null;
    throw error;
  }
}

/** Who the request comes from; in keys mode, a 401 for anyone without a valid key or session. */
export async function identifyClient(request: Request): Promise<Client> {
  if (config.auth.mode === "open") {
    const cookie = cookieOf(request, OWNER_COOKIE);
    const owner = cookie && isOwnerId(cookie) ? anonymousOwner(cookie) : null;
    return {
      owner,
      workspaceId: null,
      keyId: null,
      limitKey: addressLimitKey(clientAddress(request)),
      via: owner ? "cookie" : "anonymous",
    };
  }
  const workspace = (await workspaceOfKey(request)) ?? (await workspaceOfSession(request));
  if (!workspace) throw unauthorized();
  return {
    owner: workspaceOwner(workspace.workspaceId),
    workspaceId: workspace.workspaceId,
    keyId: workspace.keyId,
    limitKey: `ws:${workspace.workspaceId}`,
    via: workspace.via,
  };
}

/**
 * Whether this client may see a request of this owner: its status, output CSV and actions. Open
 * mode: anyone with its id may (the id is an unguessable UUID); keys mode: its workspace only.
 */
export function maySee(client: Client | null, owner: string | null): boolean {
  return config.auth.mode === "open" || owns(client, owner);
}

/**
 * Whether the client may retry, cancel or delete a request of this owner: its owner only. In open
 * mode a request uploaded without an owner cookie (an API client) belongs to whoever holds its id.
 */
export function mayChange(client: Client | null, owner: string | null): boolean {
  return owns(client, owner) || (config.auth.mode === "open" && owner === null);
}

/** Whether the client owns requests of this owner: its listing and its uploaded CSV. */
export function owns(client: Client | null, owner: string | null): boolean {
  return owner !== null && owner === client?.owner;
}

async function workspaceOfKey(request: Request) {
  const header = request.headers.get("authorization");
  if (!header) return null;
  const row = await liveApiKey(/^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? "");
  // A wrong, malformed or revoked key is refused, not treated as no key: the caller meant to use one.
  if (!row) throw unauthorized("The API key is not valid.");
  void touchApiKey(row.id).catch(() => {});
  return { workspaceId: row.workspaceId, keyId: row.id, via: "api_key" as const };
}

/** The stored row of a key, if the key is live: well formed, known, not revoked, and matching its hash. */
export async function liveApiKey(key: string) {
  const prefix = apiKeyPrefix(key.trim());
  const row = prefix ? await findApiKey(prefix) : null;
  return row && !row.revokedAt && apiKeyMatches(key.trim(), row.hash) ? row : null;
}

async function workspaceOfSession(request: Request) {
  const session = readSession(cookieOf(request, SESSION_COOKIE));
  if (!session) return null;
  // Ended by signing out, or by its key's revocation: the cookie opens nothing any more.
  const live = await findLiveSession(session.sessionId);
  if (!live || live.workspaceId !== session.workspaceId || live.keyId !== session.keyId) return null;
  return { workspaceId: live.workspaceId, keyId: live.keyId, via: "session" as const };
}

function unauthorized(message = "Send an API key: Authorization: Bearer <key>.") {
  return new AppError("unauthorized", message, undefined, { "WWW-Authenticate": 'Bearer realm="api"' });
}
