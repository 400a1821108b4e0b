/**
 * Errors the service reports to its users.
 * `AppError` travels to an HTTP response (mapped in one place, `lib/http.ts`);
 * `ImageFailure` ends one image's attempt and says whether trying again could help.
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
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
};

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
    this.status = statusByKind[code.split(":")[0]] ?? 500;
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
