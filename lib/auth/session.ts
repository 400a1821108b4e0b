import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { config } from "@/lib/config";
import { NextRequest } from "next/server";

/**
 * The dashboard's session in keys mode: an httpOnly cookie naming the session, the workspace and the
 * key signed in with, signed with AUTH_SECRET. The session is checked in the database on every use:
 * signing out ends it there, revoking its key ends it, and it expires after SESSION_DAYS.
 */

export const SESSION_COOKIE = "cic_session";
/** The anonymous owner of a browser in open mode: an unguessable id, nothing else. */
export const OWNER_COOKIE = "cic_owner";

/** A new anonymous owner id, and whether a cookie holds one. */
export function newOwnerId(): string {
  return randomBytes(18).toString("base64url");
}

export function isOwnerId(value: string): boolean {
  return /^[\w-]{16,64}$/.test(value);
}

/** The owner cookie lives for a year; it is what lets a browser find its uploads again. */
export const OWNER_MAX_AGE = 365 * 24 * 3600;

/** The Set-Cookie value that gives a browser its anonymous owner id. */
export function ownerCookie(ownerId: string): string {
  return `${OWNER_COOKIE}=${ownerId}; Path=/; Max-Age=${OWNER_MAX_AGE}; HttpOnly; SameSite=Lax${secureFlag()}`;
}

export function sessionCookie(token: string | null): string {
  const value = token ?? "";
  const maxAge = token ? SESSION_MAX_AGE : 0;
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secureFlag()}`;
}

/** Cookies travel only over HTTPS where the service is served over HTTPS. */
function secureFlag(): string {
  return config.publicBaseUrl?.startsWith("https:") ? "; Secure" : "";
}

const SESSION_DAYS = 30;
export const SESSION_MAX_AGE = SESSION_DAYS * 24 * 3600;

export type Session = { sessionId: string; workspaceId: string; keyId: number; expiresAt: number };

/** A new session's id and when it expires. */
export function newSession(now = Date.now()): { sessionId: string; expiresAt: number } {
  return { sessionId: randomBytes(18).toString("base64url"), expiresAt: now + SESSION_MAX_AGE * 1000 };
}

export function signSession(session: Session): string {
  const payload = Buffer.from(JSON.stringify(session satisfies Session)).toString("base64url");
  return `${payload}.${signature(payload)}`;
}

/** The session a cookie holds, or null when it is missing, forged, tampered with or expired. */
export function readSession(token: string | undefined, now = Date.now()): Session | null {
  if (!token || !config.auth.secret) return null;
  const [payload, signed] = token.split(".");
  if (!payload || !signed) return null;
  const expected = Buffer.from(signature(payload));
  const given = Buffer.from(signed);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const session = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Session;
    return typeof session.sessionId === "string" &&
      typeof session.workspaceId === "string" &&
      typeof session.keyId === "number" &&
      session.expiresAt > now
      ? session
      : null;
  } catch {
    return null;
  }
}

function signature(payload: string): string {
  return createHmac("sha256", config.auth.secret!).update(payload).digest("base64url");
}

/**
 * A cookie's value, read with Next.js's cookie API (`request.cookies`). Route handlers get a
 * NextRequest; a plain Request (a test, a caller outside Next.js) is read the same way. A value that
 * is not well formed is no cookie: an owner cookie like that is replaced by a new one, as if absent.
 */
export function cookieOf(request: Request, name: string): string | undefined {
  const cookies =
    request instanceof NextRequest
      ? request.cookies
      : new NextRequest(request.url, { headers: request.headers }).cookies;
  return cookies.get(name)?.value;
}
