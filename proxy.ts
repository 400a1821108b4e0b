import { NextResponse, type NextRequest } from "next/server";
import { isOwnerId, newOwnerId, OWNER_COOKIE, ownerCookie, readSession, SESSION_COOKIE } from "@/lib/auth/session";
import { config as settings } from "@/lib/config";
import { contentSecurityPolicy } from "@/lib/content-security-policy";

/** Pages a visitor without a session may open in keys mode. */
const OPEN_PAGES = ["/sign-in", "/docs"];

/**
 * Runs before every page. It sets a fresh nonce and the Content-Security-Policy built on it (Next.js
 * reads the nonce from the request's policy header and puts it on the scripts it renders), and makes
 * sure of who is asking: in open mode a browser without an owner cookie gets one, already visible to
 * the page being rendered; in keys mode a visitor without a session is sent to sign in.
 */
export function proxy(request: NextRequest) {
  const path = request.nextUrl.pathname;
  if (
    settings.auth.mode === "keys" &&
    !OPEN_PAGES.includes(path) &&
    !readSession(request.cookies.get(SESSION_COOKIE)?.value)
  ) {
    const signIn = new URL("/sign-in", request.url);
    if (path !== "/") signIn.searchParams.set("next", path + request.nextUrl.search);
    return NextResponse.redirect(signIn);
  }

  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const policy = contentSecurityPolicy(nonce);
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", policy);
  headers.set("x-nonce", nonce);

  const ownerId = request.cookies.get(OWNER_COOKIE)?.value;
  const newOwner = settings.auth.mode === "open" && !(ownerId && isOwnerId(ownerId)) ? newOwnerId() : null;
  if (newOwner) {
    request.cookies.set(OWNER_COOKIE, newOwner);
    headers.set("cookie", request.cookies.toString());
  }

  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  if (newOwner) response.headers.append("Set-Cookie", ownerCookie(newOwner));
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only. API routes answer JSON, files carry their own sandbox policy, and an upload body
      // must never pass through here: Next.js buffers the whole body of a request the proxy sees.
      source: "/((?!api/|_next/static|_next/image|files/|samples/|icon.svg|upload|csv/upload).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
        { type: "header", key: "content-type", value: "multipart/form-data.*" },
      ],
    },
  ],
};
