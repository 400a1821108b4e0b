import { NextResponse, type NextRequest } from "next/server";
import { isOwnerId, newOwnerId, OWNER_COOKIE, ownerCookie, readSession, SESSION_COOKIE } from "@/lib/auth/session";
import { config as settings } from "@/lib/config";
import { contentSecurityPolicy } from "@/lib/content-security-policy";
import { AppError } from "@/lib/errors";
import { problemResponse } from "@/lib/http";
import { getStorage } from "@/lib/storage/get-storage";

/** Pages a visitor without a session may open in keys mode. */
const OPEN_PAGES = ["/sign-in", "/docs"];

/**
 * Runs before every page. It sets a fresh nonce and the Content-Security-Policy built on it (Next.js
 * reads the nonce from the request's policy header and puts it on the scripts it renders), and makes
 * sure of who is asking: in open mode a browser without an owner cookie gets one, already visible to
 * the page being rendered; in keys mode a visitor without a session is sent to sign in.
 *
 * Every document carries the policy, prefetched ones included (a prefetched page is shown later as it
 * was fetched). The router's own prefetches of a page's data are left alone (see `config`).
 */
export async function proxy(request: NextRequest) {
  const path = request.nextUrl.pathname;
  // Stored files: only the address is checked here (Next.js answers a %-encoding it cannot decode
  // with a bare 500 before the file route runs); who may read a file is the route's business.
  if (path.startsWith("/files/")) return refuseUndecodablePath(path) ?? NextResponse.next();
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
  const { fileOrigins } = await getStorage();
  const policy = contentSecurityPolicy({ nonce, fileOrigins });
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

/** A 400 problem answer for a path with a %-sequence that is not UTF-8; null for a path that decodes. */
function refuseUndecodablePath(path: string): Response | null {
  try {
    decodeURIComponent(path);
    return null;
  } catch {
    return problemResponse(
      new AppError(
        "bad_request:path",
        "The file's address has a %-sequence that is not valid UTF-8; copy the link again as it was given.",
      ),
    );
  }
}

// Pages, and the addresses of stored files (the source is written out in each entry: Next.js reads it without running the file).
// API routes (and the paths earlier API clients use, `lib/api-aliases.ts`) answer JSON and check keys
// themselves; files carry their own sandbox policy; and an upload body must never pass through here:
// Next.js buffers the whole body of a request the proxy sees.
export const config = {
  matcher: [
    // Stored files, for the address check above (their bodies are small GETs, never uploads).
    "/files/:path*",
    // Everything but the router's prefetch of a page's data (`next-router-prefetch` with `rsc`): that
    // is no document, and a sign-in redirect answered to it would be kept by the router and followed
    // again after signing in. The page itself sends a visitor without a session to sign in.
    {
      source: "/((?!api/|_next/static|_next/image|files/|samples/|icon.svg|upload|csv/|status/|download/).*)",
      missing: [{ type: "header", key: "next-router-prefetch" }],
    },
    // The prefetch header on a request for a document still gets the document's policy.
    {
      source: "/((?!api/|_next/static|_next/image|files/|samples/|icon.svg|upload|csv/|status/|download/).*)",
      has: [{ type: "header", key: "next-router-prefetch" }],
      missing: [{ type: "header", key: "rsc" }],
    },
  ],
};
