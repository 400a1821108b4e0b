import { config } from "./config";

/**
 * Cross-origin calls from browsers, opt-in with CORS_ALLOW_ORIGINS (none by default: the browser's
 * same-origin rule stands). A listed origin's pages may call the API with an API key (keys mode) or
 * anonymously (open mode), never with this site's cookies: no `Access-Control-Allow-Credentials` is
 * sent, so a browser neither sends the visitor's session on a preflighted call nor shows the page an
 * answer made with it.
 */

/** What a listed origin's page may send beside the simple headers. */
const ALLOWED_REQUEST_HEADERS = [
  "Authorization",
  "Content-Type",
  "Idempotency-Key",
  "If-None-Match",
  "If-Modified-Since",
  "If-Range",
  "Range",
];

/** What such a page may read beside the simple headers: caching, limits, where the new request lives. */
const EXPOSED_HEADERS = [
  "ETag",
  "Last-Modified",
  "Location",
  "Retry-After",
  "RateLimit",
  "RateLimit-Policy",
  "Idempotent-Replayed",
  "Content-Disposition",
  "Content-Range",
  "Accept-Ranges",
  "WWW-Authenticate",
];

/** A preflight's answer may be reused by the browser for this long (seconds). */
const PREFLIGHT_MAX_AGE = 600;

/** The request's `Origin` when CORS_ALLOW_ORIGINS lists it (or is `*`); null otherwise. */
export function allowedOrigin(request: Request, origins: readonly string[] = config.corsAllowOrigins): string | null {
  const origin = request.headers.get("origin");
  if (origin === null || origins.length === 0) return null;
  return origins.includes("*") || origins.includes(origin.toLowerCase()) ? origin : null;
}

/** The `Access-Control-*` headers of a preflight (`OPTIONS` with `Access-Control-Request-Method`). */
export function preflightHeaders(request: Request, allow: readonly string[]): Record<string, string> {
  if (config.corsAllowOrigins.length === 0) return {};
  const vary = { Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" };
  const origin = allowedOrigin(request);
  const method = request.headers.get("access-control-request-method");
  if (origin === null || method === null || !allow.includes(method.toUpperCase())) return vary;
  return {
    ...vary,
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Methods": allow.join(", "),
    "Access-Control-Allow-Headers": ALLOWED_REQUEST_HEADERS.join(", "),
    "Access-Control-Max-Age": String(PREFLIGHT_MAX_AGE),
  };
}

/**
 * An actual answer with the headers that let a listed origin's page read it. When CORS is on, every
 * answer varies by `Origin`, so a shared cache never hands one origin's answer to another.
 */
export function withCorsHeaders(request: Request, response: Response): Response {
  if (config.corsAllowOrigins.length === 0) return response;
  const origin = allowedOrigin(request);
  const headers = new Headers(response.headers);
  headers.append("Vary", "Origin");
  if (origin !== null) {
    headers.set("Access-Control-Allow-Origin", origin);
    headers.set("Access-Control-Expose-Headers", EXPOSED_HEADERS.join(", "));
  }
  // A new Response: the handler's may have immutable headers (a redirect, a fetched answer).
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * A write from a listed origin is let through the cross-site check when it carries no cookie: its
 * authority is its API key, or none. Cookies sent by another origin's page never act here.
 */
export function isListedOriginWithoutCookies(request: Request): boolean {
  return allowedOrigin(request) !== null && !request.headers.has("cookie");
}
