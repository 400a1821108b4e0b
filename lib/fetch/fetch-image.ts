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
import { isTransientError, isTransientStatus, requestedWait } from "./transient";

export const imageUserAgent = "csv-image-compressor/0.1 (product image downloader)";

/** The image server's validators for a URL: sent back on the next download, a 304 saves it. */
export type Validators = { etag: string | null; lastModified: string | null };

export type FetchedImage = { bytes: Buffer; contentType: string | null; finalUrl: string } & Validators;

/** A conditional download answered 304: the bytes fetched earlier are still the image. */
export type NotModified = { notModified: true } & Validators;

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
export function fetchImage(url: string, options?: FetchImageOptions): Promise<FetchedImage>;
/** With the validators of an earlier download: a 304 answer comes back as `NotModified`. */
export function fetchImage(
  url: string,
  options: FetchImageOptions & { ifChangedSince: Validators },
): Promise<FetchedImage | NotModified>;
export async function fetchImage(
  url: string,
  options: FetchImageOptions & { ifChangedSince?: Validators } = {},
): Promise<FetchedImage | NotModified> {
  const { ifChangedSince, ...limits } = options;
  const maxBytes = limits.maxBytes ?? config.images.maxBytes;
  const conditions: Record<string, string> = {};
  if (ifChangedSince?.etag) conditions["if-none-match"] = ifChangedSince.etag;
  if (ifChangedSince?.lastModified) conditions["if-modified-since"] = ifChangedSince.lastModified;
  let response;
  try {
    response = await guardedRequest(url, {
      ...limits,
      maxBytes,
      method: "GET",
      headers: { "user-agent": imageUserAgent, accept: "image/*", ...conditions },
    });
  } catch (error) {
    throw toImageFailure(error);
  }
  const { status, headers, body } = response;
  const validators = { etag: header(headers.etag), lastModified: header(headers["last-modified"]) };
  if (status >= 200 && status < 300) {
    if (body.length === 0) throw ImageFailure.permanent("the server returned an empty file");
    const contentType = headers["content-type"] ?? null;
    return { bytes: body, contentType, finalUrl: response.url, ...validators };
  }
  if (status === 304 && Object.keys(conditions).length > 0) {
    return {
      notModified: true,
      etag: validators.etag ?? ifChangedSince?.etag ?? null,
      lastModified: validators.lastModified ?? ifChangedSince?.lastModified ?? null,
    };
  }
  throw imageFailureForStatus(status, headers);
}

/** A validator worth keeping: present and of a sane length (it is sent back in a header). */
function header(value: string | undefined): string | null {
  return value && value.length <= 512 ? value : null;
}

/** The verdict on a non-2xx answer. */
export function imageFailureForStatus(status: number, headers: IncomingHttpHeaders = {}): ImageFailure {
  const message = `${reasonForStatus(status)} (HTTP ${status})`;
  return isTransientStatus(status)
    ? ImageFailure.transient(message, requestedWait(headers))
    : ImageFailure.permanent(message);
}

function reasonForStatus(status: number): string {
  if (status === 404 || status === 410) return "the image was not found";
  if (status === 429) return "the server is limiting downloads";
  if (status === 503) return "the server is temporarily unavailable";
  if (status === 408) return "the server timed out";
  if (status >= 500) return "the server failed to send the image";
  if (status === 401 || status === 403) return "the server refused access to the image";
  if (status >= 400) return "the server refused the download";
  // 1xx, 3xx without a Location (or 304), anything odd: not an image and not going to become one.
  return "the server answered without the image";
}

/** Maps a failure of `guardedRequest` (or anything else thrown) to an `ImageFailure`. */
export function toImageFailure(error: unknown): ImageFailure {
  if (error instanceof ImageFailure) return error;
  const message = downloadFailureReason(error);
  return isTransientError(error) ? ImageFailure.transient(message) : ImageFailure.permanent(message);
}

function downloadFailureReason(error: unknown): string {
  if (error instanceof ResponseTooLargeError)
    return `the image is larger than the ${formatBytes(error.maxBytes)} limit`;
  if (error instanceof TimeoutError && error.phase === "total") {
    return `the download took longer than ${formatSeconds(error.timeoutMs)}`;
  }
  if (error instanceof RequestAbortedError) return "the download was cancelled";
  if (error instanceof RequestError) return error.message;
  return `the download failed: ${error instanceof Error ? error.message : String(error)}`;
}
