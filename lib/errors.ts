/**
 * Errors the service reports to its users.
 * `AppError` travels to an HTTP response (mapped in one place, `lib/http.ts`);
 * `ImageFailure` ends one image's attempt and says whether trying again could help.
 * The dashboard's CSV preview imports this module too: it reads no settings.
 */

import type { ErrorCode } from "./contract";

/** The codes are listed once, in the API contract. */
export type AppErrorCode = ErrorCode;

const statusByKind: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  method_not_allowed: 405,
  request_timeout: 408,
  range_not_satisfiable: 416,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
};

/**
 * The RFC 9457 `title` of each code: the same for every occurrence, as the RFC asks (`detail` and
 * `error` say what happened this time). Typed by the contract's list, so a new code needs its title.
 */
export const errorTitles: Record<AppErrorCode, string> = {
  "bad_request:csv": "The CSV is not valid",
  "bad_request:upload": "The upload form is not valid",
  "bad_request:parameter": "A query parameter is not valid",
  "bad_request:body": "The request body is not valid",
  "bad_request:path": "The path is not valid",
  "payload_too_large:csv": "The CSV is too large",
  "payload_too_large:images": "The CSV lists too many images",
  "request_timeout:upload": "The upload took too long",
  "unsupported_media_type:csv": "The file is not a CSV",
  "not_found:request": "No such request",
  "not_found:file": "No such file",
  "not_found:route": "No such path",
  "not_found:api_key": "No such API key",
  "not_found:trial": "No such trial, or it has expired",
  method_not_allowed: "Method not allowed on this path",
  unauthorized: "Authentication needed",
  "forbidden:cross_site": "Request from another site refused",
  "unsupported_media_type:body": "The body is not JSON",
  "range_not_satisfiable:file": "The requested range is outside the file",
  "too_many_requests:rate_limit": "Over a rate limit",
  "too_many_requests:processing": "Too many requests processing at once",
  "unprocessable:idempotency": "Idempotency-Key reused for a different upload",
  "conflict:processing": "The request is still processing",
  "conflict:finished": "The request is already finished",
  "conflict:nothing_to_retry": "No failed image to retry",
  "unavailable:storage": "Storage is unavailable",
  "unavailable:jobs": "Background work is unavailable",
  "unavailable:database": "The database is unavailable",
  "unavailable:inngest": "Inngest is not configured",
  internal: "Internal error",
};

/** An error's HTTP status, from the kind before the colon of its code. */
export function statusOfCode(code: AppErrorCode): number {
  return statusByKind[code.split(":")[0]] ?? 500;
}

export class AppError extends Error {
  override name = "AppError";
  readonly status: number;

  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly body?: Record<string, unknown>,
    /** Extra response headers: `Retry-After`, `Allow`, `WWW-Authenticate`. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = statusOfCode(code);
  }
}

/** An upload refused before anything was stored, in the shape upload clients read: `isValid`, `errors`. */
export function rejectedUpload(code: AppErrorCode, message: string, headers?: Record<string, string>): AppError {
  return new AppError(
    code,
    message,
    { isValid: false, errors: [{ row: null, column: null, message }], errorCount: 1 },
    headers,
  );
}

export class ImageFailure extends Error {
  override name = "ImageFailure";

  constructor(
    message: string,
    /** Network errors, timeouts, 5xx and 429 may pass; a 404 or a text file never will. */
    readonly retryable: boolean,
    /** The wait a server asked for (429/503 `Retry-After`), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  static permanent(message: string) {
    return new ImageFailure(message, false);
  }

  static transient(message: string, retryAfterMs?: number) {
    return new ImageFailure(message, true, retryAfterMs);
  }

  /**
   * The output could not be written (or copied) where the service keeps files: worth a later try.
   * `where` is the store in the seller's words (`Storage.displayName`).
   */
  static notStored(where: string) {
    return ImageFailure.transient(`the compressed image could not be stored (${where} unavailable)`);
  }
}
