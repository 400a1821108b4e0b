import type { IncomingHttpHeaders } from "node:http";
import { config } from "@/lib/config";
import { ImageFailure } from "@/lib/errors";
import { type GuardedRequestOptions, guardedRequest } from "./guarded-request";
import { formatBytes } from "@/lib/format";
import {
  RequestAbortedError,
  RequestError,
  ResponseTooLargeError,
  TimeoutError,
  formatSeconds,
} from "./request-errors";
import { parseRetryAfter } from "./retry-after";

export const imageUserAgent = "csv-image-compressor/0.1 (product image downloader)";

export type FetchedImage = { bytes: Buffer; contentType: string | null; finalUrl: string };

/** Limits default to the configuration; the overrides exist for tests and special callers. */
export type FetchImageOptions = Partial<
  Pick<
    GuardedRequestOptions,
    "signal" | "maxBytes" | "timeoutMs" | "connectTimeoutMs" | "maxRedirects" | "allowHosts" | "resolve" | "ca"
  >
>;

/**
 * Downloads one image behind the SSRF guard. Every failure becomes an `ImageFailure` whose message
 * a seller can act on and whose `retryable` says whether a later attempt could succeed.
 * Whether the bytes are an image is not decided here; they are sniffed by their content later.
 */
export async function fetchImage(url: string, options: FetchImageOptions = {}): Promise<FetchedImage> {
  const maxBytes = options.maxBytes ?? config.images.maxBytes;
  let response;
  try {
    response = await guardedRequest(url, {
      ...options,
      maxBytes,
      method: "GET",
      headers: { "user-agent": imageUserAgent, accept: "image/*" },
    });
  } catch (error) {
    throw toImageFailure(error);
  }
  const { status, headers, body } = response;
  if (status >= 200 && status < 300) {
    if (body.length === 0) throw ImageFailure.permanent("the server returned an empty file");
    const contentType = headers["content-type"] ?? null;
    return { bytes: body, contentType, finalUrl: response.url };
  }
  throw imageFailureForStatus(status, headers);
}

/** The verdict on a non-2xx answer. */
export function imageFailureForStatus(status: number, headers: IncomingHttpHeaders = {}): ImageFailure {
  const code = `(HTTP ${status})`;
  if (status === 404 || status === 410) return ImageFailure.permanent(`the image was not found ${code}`);
  if (status === 429) {
    return ImageFailure.transient(`the server is limiting downloads ${code}`, parseRetryAfter(headers["retry-after"]));
  }
  if (status === 503) {
    return ImageFailure.transient(
      `the server is temporarily unavailable ${code}`,
      parseRetryAfter(headers["retry-after"]),
    );
  }
  if (status === 408) return ImageFailure.transient(`the server timed out ${code}`);
  if (status >= 500) return ImageFailure.transient(`the server failed to send the image ${code}`);
  if (status === 401 || status === 403) return ImageFailure.permanent(`the server refused access to the image ${code}`);
  if (status >= 400) return ImageFailure.permanent(`the server refused the download ${code}`);
  // 1xx, 3xx without a Location (or 304), anything odd: not an image and not going to become one.
  return ImageFailure.permanent(`the server answered without the image ${code}`);
}

/** Maps a failure of `guardedRequest` (or anything else thrown) to an `ImageFailure`. */
export function toImageFailure(error: unknown): ImageFailure {
  if (error instanceof ImageFailure) return error;
  if (error instanceof ResponseTooLargeError) {
    return ImageFailure.permanent(`the image is larger than the ${formatBytes(error.maxBytes)} limit`);
  }
  if (error instanceof TimeoutError && error.phase === "total") {
    return ImageFailure.transient(`the download took longer than ${formatSeconds(error.timeoutMs)}`);
  }
  if (error instanceof RequestAbortedError) return ImageFailure.transient("the download was cancelled");
  if (error instanceof RequestError) {
    return error.retryable ? ImageFailure.transient(error.message) : ImageFailure.permanent(error.message);
  }
  const message = error instanceof Error ? error.message : String(error);
  return ImageFailure.transient(`the download failed: ${message}`);
}
