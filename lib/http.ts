import type { z } from "zod";
import { isDatabaseUnreachable } from "@/db/client";
import { config } from "./config";
import { AppError } from "./errors";
import { logger } from "./logger";

/**
 * The one place errors become HTTP responses. An AppError says what the user did wrong or what is
 * unavailable; anything else is logged with its context and answered without internals.
 */
export function errorResponse(error: unknown, context: string): Response {
  if (error instanceof AppError) {
    return Response.json(
      { error: error.message, code: error.code, ...error.body },
      { status: error.status, headers: error.headers },
    );
  }
  if (isDatabaseUnreachable(error)) {
    logger.error({ err: error, route: context }, "the database is unavailable");
    return Response.json(
      { error: "The database is unavailable right now. Please try again in a minute.", code: "unavailable:database" },
      { status: 503, headers: { "Retry-After": "30" } },
    );
  }
  logger.error({ err: error, route: context }, "request failed on our side");
  return Response.json(
    {
      error: "Something went wrong on our side. Please try again; if it keeps happening, contact support.",
      code: "internal",
    },
    { status: 500 },
  );
}

/**
 * Wraps a route handler: a write sent by a browser from another site is refused before the handler
 * runs, and every thrown error is answered by `errorResponse`.
 */
export function handleErrors<Args extends unknown[]>(context: string, handler: (...args: Args) => Promise<Response>) {
  return async (...args: Args): Promise<Response> => {
    try {
      if (args[0] instanceof Request) refuseCrossSiteWrite(args[0]);
      return await handler(...args);
    } catch (error) {
      return errorResponse(error, context);
    }
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
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new AppError("bad_request:body", `${issue.path.join(".") || "body"}: ${issue.message}`);
}

/** "must be a whole number from 1 to 500", read from the parameter's own schema. */
function expected(field: z.ZodType): string {
  let inner = field as z.ZodType & { minValue?: number | null; maxValue?: number | null };
  while ("unwrap" in inner && typeof inner.unwrap === "function") inner = inner.unwrap();
  const { minValue, maxValue } = inner;
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

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
const METHODS: Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * Handlers for the methods a route does not serve: 405 with `Allow` and a JSON message. Next.js
 * answers them with an empty 405 otherwise. `export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed("GET")`.
 */
export function methodsNotAllowed(...allowed: Method[]): Record<Method, () => Response> {
  const allow = allowed.includes("GET") ? [...allowed, "HEAD"] : allowed;
  const answer = () =>
    Response.json(
      { error: `This path answers ${allow.join(", ")} only.`, code: "method_not_allowed" },
      { status: 405, headers: { Allow: allow.join(", ") } },
    );
  return Object.fromEntries(METHODS.map((method) => [method, answer])) as Record<Method, () => Response>;
}
