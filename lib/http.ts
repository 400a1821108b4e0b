import type { z } from "zod";
import { isDatabaseUnreachable } from "@/db/client";
import { config } from "./config";
import { isListedOriginWithoutCookies, preflightHeaders, withCorsHeaders } from "./cors";
import { AppError, type AppErrorCode, errorTitles } from "./errors";
import { logger } from "./logger";
import { StorageError } from "./storage/storage";

/**
 * The one place errors become HTTP responses. An AppError says what the user did wrong or what is
 * unavailable; anything else is logged with its context and answered without internals.
 */
export function errorResponse(error: unknown, context: string): Response {
  if (error instanceof AppError) return problemResponse(error);
  // Before the database check: a store that cannot be reached fails with the same network codes.
  if (error instanceof StorageError) {
    logger.error({ err: error, route: context }, "storage is unavailable");
    return problemResponse(
      new AppError(
        "unavailable:storage",
        "Storage is unavailable right now; nothing was lost. Please try again in a minute.",
        undefined,
        { "Retry-After": "30" },
      ),
    );
  }
  if (isDatabaseUnreachable(error)) {
    logger.error({ err: error, route: context }, "the database is unavailable");
    return problemResponse(
      new AppError(
        "unavailable:database",
        "The database is unavailable right now. Please try again in a minute.",
        undefined,
        { "Retry-After": "30" },
      ),
    );
  }
  logger.error({ err: error, route: context }, "request failed on our side");
  return problemResponse(
    new AppError(
      "internal",
      "Something went wrong on our side. Please try again; if it keeps happening, contact support.",
    ),
  );
}

/**
 * An error as RFC 9457 problem details (`application/problem+json`): `type`, `title`, `status` and
 * `detail`, beside the `error` and `code` clients have always read and the fields of its kind
 * (`isValid` and `errors` of a refused upload, a request's summary).
 */
export function problemResponse(error: AppError): Response {
  const body = {
    type: problemType(error.code),
    title: errorTitles[error.code],
    status: error.status,
    detail: error.message,
    error: error.message,
    code: error.code,
    ...error.body,
  };
  const headers = new Headers(error.headers);
  headers.set("Content-Type", "application/problem+json");
  return new Response(JSON.stringify(body), { status: error.status, headers });
}

/**
 * The RFC 9457 `type` of a code: the code's entry in this service's API reference (`/docs`), an
 * absolute URL a developer who finds one in a log can open. Programs keep reading `code`.
 */
export function problemType(code: AppErrorCode): string {
  return `${config.publicBaseUrl}/docs#error-${code}`;
}

/**
 * Wraps a route handler: a write sent by a browser from another site is refused before the handler
 * runs, every thrown error is answered by `errorResponse`, and a listed origin (CORS_ALLOW_ORIGINS)
 * gets the headers that let its page read the answer.
 */
export function handleErrors<Args extends unknown[]>(context: string, handler: (...args: Args) => Promise<Response>) {
  return async (...args: Args): Promise<Response> => {
    const request = args[0] instanceof Request ? args[0] : null;
    let response: Response;
    try {
      if (request) refuseCrossSiteWrite(request);
      response = await handler(...args);
    } catch (error) {
      response = errorResponse(error, context);
    }
    return request ? withCorsHeaders(request, response) : response;
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery: a page on another site can make a visitor's browser POST here with
 * this site's cookies (an upload that replaces the owner cookie, a sign-in as the attacker). Browsers
 * say where a request comes from (`Sec-Fetch-Site`, else `Origin`); a write from anywhere but this
 * site is refused. Clients that are not browsers send neither header and are not concerned.
 */
function refuseCrossSiteWrite(request: Request) {
  if (SAFE_METHODS.has(request.method)) return;
  if (isListedOriginWithoutCookies(request)) return;
  const site = request.headers.get("sec-fetch-site");
  if (site) {
    // "none": typed or bookmarked by the user, never sent by another page.
    if (site === "same-origin" || site === "none") return;
    throw crossSite();
  }
  const origin = request.headers.get("origin");
  if (origin === null) return;
  const ours = [new URL(request.url).origin, new URL(config.publicBaseUrl).origin];
  if (!ours.includes(origin)) throw crossSite();
}

function crossSite() {
  return new AppError(
    "forbidden:cross_site",
    "This request came from another site; only pages of this site may change data here.",
  );
}

/**
 * Reads query parameters with a contract schema. A value that is not what the schema allows is the
 * caller's mistake (400 naming the parameter), never a 500 or a silent default.
 */
export function parseQuery<T extends z.ZodObject>(request: Request, schema: T): z.output<T> {
  const search = new URL(request.url).searchParams;
  const values = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, search.get(name) ?? undefined]));
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const name = String(result.error.issues[0].path[0]);
  throw new AppError("bad_request:parameter", `${name} ${expected(schema.shape[name])} (got "${search.get(name)}").`);
}

/**
 * Reads a small JSON body with a contract schema; a body that is not it is a 400 naming the field.
 * It must say it is JSON: a `text/plain` body is one a page of another site may send without asking
 * the browser's permission first.
 */
export async function parseJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.output<T>> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  const length = request.headers.get("content-length");
  if (type !== "application/json" && !(type === "" && (length === null || length === "0"))) {
    throw new AppError("unsupported_media_type:body", "Send the body as JSON (Content-Type: application/json).");
  }
  const bytes = await readBodyWithLimit(request, 16 * 1024);
  if (!bytes) throw new AppError("bad_request:body", "The JSON body is over 16 KB.");
  let value: unknown;
  try {
    value = bytes.length === 0 ? {} : JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new AppError("bad_request:body", "The body is not valid JSON.");
  }
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new AppError("bad_request:body", bodyProblem(schema, result.error.issues[0]));
}

/**
 * A body's first problem in the words of the upload's form fields: "quality must be a whole number
 * from 1 to 100 (got 0)", "urls is missing"; a message the schema words itself is kept.
 */
function bodyProblem(schema: z.ZodType, issue: z.core.$ZodIssue): string {
  const name = issue.path.join(".") || "body";
  if (issue.code === "invalid_type" && issue.input === undefined) return `${name} is missing.`;
  const shape = (schema as z.ZodType & { shape?: Record<string, z.ZodType> }).shape;
  const field = issue.path.length === 1 ? shape?.[String(issue.path[0])] : undefined;
  const rule = field ? expected(field) : null;
  if (!rule || rule === "is not valid") return `${name}: ${issue.message}`;
  const got = JSON.stringify(issue.input) ?? String(issue.input);
  return `${name} ${rule} (got ${got.length > 40 ? `${got.slice(0, 39)}…` : got}).`;
}

/** "must be a whole number from 1 to 500", read from the parameter's own schema. */
function expected(field: z.ZodType): string {
  let inner = field as z.ZodType & { minValue?: number | null; maxValue?: number | null; options?: unknown[] };
  while ("unwrap" in inner && typeof inner.unwrap === "function") inner = inner.unwrap();
  const { minValue, maxValue, options } = inner;
  if (Array.isArray(options)) return `must be one of ${options.join(", ")}`;
  if (typeof minValue === "number" && typeof maxValue === "number") {
    return `must be a whole number from ${minValue.toLocaleString("en-US")} to ${maxValue.toLocaleString("en-US")}`;
  }
  return "is not valid";
}

/**
 * Reads a request body, stopping as soon as it passes `limit` bytes: a declared Content-Length
 * can be absent (chunked uploads) or wrong, so the bytes are counted as they arrive.
 * Returns null when the body is too large.
 */
export async function readBodyWithLimit(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";
const METHODS: Method[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
type Handler = (request?: Request) => Response;

/**
 * The methods a route does not serve, and `OPTIONS`. Without them Next.js answers an empty 405, and
 * an `OPTIONS` whose `Allow` lists every method the route file exports, served or not. Here a 405 is
 * a problem answer and `Allow` (on both) lists what the route really answers: its methods, `HEAD`
 * with `GET`, and `OPTIONS`. A preflight from a listed origin (CORS_ALLOW_ORIGINS) is answered too.
 * `export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed("GET")`.
 */
export function methodsNotAllowed(...served: Exclude<Method, "HEAD" | "OPTIONS">[]): Record<Method, Handler> {
  const allow: string[] = [...served.flatMap((method) => (method === "GET" ? ["GET", "HEAD"] : [method])), "OPTIONS"];
  const notAllowed: Handler = (request) => {
    const response = problemResponse(
      new AppError("method_not_allowed", `This path answers ${allow.join(", ")} only.`, undefined, {
        Allow: allow.join(", "),
      }),
    );
    return request ? withCorsHeaders(request, response) : response;
  };
  const options: Handler = (request) => {
    const preflight = request ? preflightHeaders(request, allow) : {};
    return new Response(null, { status: 204, headers: { Allow: allow.join(", "), ...preflight } });
  };
  return {
    ...(Object.fromEntries(METHODS.map((method) => [method, notAllowed])) as Record<Method, Handler>),
    OPTIONS: options,
  };
}
