import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy } from "@/lib/content-security-policy";

/**
 * Runs before every page: a fresh nonce and the Content-Security-Policy built on it. Next.js reads
 * the nonce from the request's policy header and puts it on the scripts it renders.
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const policy = contentSecurityPolicy(nonce);
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", policy);
  headers.set("x-nonce", nonce);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
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
