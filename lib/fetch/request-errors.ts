/**
 * Errors of the outbound HTTP layer. Messages are written for the seller who listed the URL;
 * `retryable` says whether the same request could succeed later.
 */

import { formatBytes } from "@/lib/format";

export class RequestError extends Error {
  override name = "RequestError";

  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The URL, a redirect or a resolved address points somewhere the service must never connect to. */
export class RequestBlockedError extends RequestError {
  override name = "RequestBlockedError";

  constructor(message: string) {
    super(message, "blocked", false);
  }
}

/** Not a URL, or a scheme other than http and https. */
export class UnsupportedUrlError extends RequestError {
  override name = "UnsupportedUrlError";

  constructor(message: string) {
    super(message, "unsupported_url", false);
  }
}

export class ResponseTooLargeError extends RequestError {
  override name = "ResponseTooLargeError";

  constructor(readonly maxBytes: number) {
    super(`the response is larger than the ${formatBytes(maxBytes)} limit`, "too_large", false);
  }
}

export class TooManyRedirectsError extends RequestError {
  override name = "TooManyRedirectsError";

  constructor(readonly maxRedirects: number) {
    super(
      maxRedirects === 0
        ? "the server answered with a redirect, and redirects are not followed"
        : `the server redirected more than ${maxRedirects} times`,
      "too_many_redirects",
      false,
    );
  }
}

export class TimeoutError extends RequestError {
  override name = "TimeoutError";

  constructor(
    readonly phase: "connect" | "total",
    readonly timeoutMs: number,
    host?: string,
  ) {
    super(
      phase === "connect"
        ? couldNotConnect(host ?? "the server")
        : `the request took longer than ${formatSeconds(timeoutMs)}`,
      phase === "connect" ? "connect_timeout" : "timeout",
      true,
    );
  }
}

/** The caller's AbortSignal fired. */
export class RequestAbortedError extends RequestError {
  override name = "RequestAbortedError";

  constructor() {
    super("the request was cancelled", "aborted", true);
  }
}

/** Connection, DNS, TLS and protocol failures; `code` is node's error code where there is one. */
export class NetworkError extends RequestError {
  override name = "NetworkError";
}

const tlsCode = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|HOSTNAME_MISMATCH)/;

/** Turns whatever node threw into a `RequestError` with a sentence a seller understands. */
export function toRequestError(error: unknown, host: string): RequestError {
  if (error instanceof RequestError) return error;
  const err = error as NodeJS.ErrnoException | undefined;
  const code = typeof err?.code === "string" ? err.code : "";
  const detail = err?.message ?? String(error);
  if (err?.message === "aborted") {
    return new NetworkError("the connection closed before the response was complete", "ECONNRESET", true);
  }
  switch (code) {
    // One sentence for every way a connection fails to open: telling "refused" from "timed out" from
    // "unreachable" would turn uploads into a port scanner of whatever the service can reach.
    case "ECONNREFUSED":
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
      return new NetworkError(couldNotConnect(host), code, true);
    case "ECONNRESET":
    case "EPIPE":
      return new NetworkError(`the connection to ${host} was reset`, code, true);
    case "ENOTFOUND":
      // NXDOMAIN is an authoritative answer: the name does not exist, and retrying will not create it.
      return new NetworkError(`the server name ${host} could not be found`, code, false);
    case "EAI_AGAIN":
      return new NetworkError(`the server name ${host} could not be looked up (temporary DNS failure)`, code, true);
  }
  if (tlsCode.test(code)) {
    return new NetworkError(`the secure connection to ${host} failed: ${detail}`, code, false);
  }
  if (code.startsWith("HPE_")) {
    return new NetworkError(`${host} sent an invalid HTTP response`, code, false);
  }
  return new NetworkError(`network error while contacting ${host}: ${detail}`, code || "network", true);
}

function couldNotConnect(host: string): string {
  return `could not connect to ${host}`;
}

export function formatSeconds(ms: number): string {
  return `${trimNumber(ms / 1000)} s`;
}

function trimNumber(value: number): string {
  return String(Math.round(value * 10) / 10);
}
