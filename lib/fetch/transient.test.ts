import { describe, expect, it } from "vitest";
import { imageFailureForStatus, toImageFailure } from "./fetch-image";
import {
  NetworkError,
  RequestAbortedError,
  RequestBlockedError,
  ResponseTooLargeError,
  TimeoutError,
  TooManyRedirectsError,
} from "./request-errors";
import { isTransientError, isTransientStatus, requestedWait } from "./transient";

describe("transient failures", () => {
  it("retries 408, 429 and 5xx answers and no other", () => {
    const transient = [408, 429, 500, 502, 503, 504, 599];
    const lasting = [100, 204, 301, 304, 400, 401, 403, 404, 410, 413, 418, 451];
    for (const status of transient) expect(isTransientStatus(status), String(status)).toBe(true);
    for (const status of lasting) expect(isTransientStatus(status), String(status)).toBe(false);
  });

  it("retries timeouts, resets and temporary DNS failures; not refusals, unknown names, bad TLS or oversize", () => {
    expect(isTransientError(new TimeoutError("total", 1000))).toBe(true);
    expect(isTransientError(new TimeoutError("connect", 1000, "example.test"))).toBe(true);
    expect(isTransientError(new RequestAbortedError())).toBe(true);
    expect(isTransientError(new NetworkError("reset", "ECONNRESET", true))).toBe(true);
    expect(isTransientError(new NetworkError("no such name", "ENOTFOUND", false))).toBe(false);
    expect(isTransientError(new RequestBlockedError("blocked: a private address"))).toBe(false);
    expect(isTransientError(new ResponseTooLargeError(1024))).toBe(false);
    expect(isTransientError(new TooManyRedirectsError(0))).toBe(false);
    // Something this service did not foresee: worth another try rather than a lost image.
    expect(isTransientError(new Error("unexpected"))).toBe(true);
  });

  it("is the verdict image downloads give, with their seller-facing reasons", () => {
    for (const status of [404, 408, 410, 429, 500, 503]) {
      expect(imageFailureForStatus(status).retryable).toBe(isTransientStatus(status));
    }
    expect(toImageFailure(new ResponseTooLargeError(1024)).retryable).toBe(false);
    expect(toImageFailure(new TimeoutError("total", 1500))).toMatchObject({
      retryable: true,
      message: "the download took longer than 1.5 s",
    });
  });

  it("reads the wait a server asked for", () => {
    expect(requestedWait({ "retry-after": "7" })).toBe(7000);
    expect(requestedWait({})).toBeUndefined();
    expect(imageFailureForStatus(503, { "retry-after": "2" }).retryAfterMs).toBe(2000);
  });
});
