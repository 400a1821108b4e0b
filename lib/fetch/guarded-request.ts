import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { config } from "@/lib/config";
import { judgeUrl } from "./address-guard";
import { agentFor, type PoolRules } from "./connection-pool";
import type { Resolver } from "./guarded-lookup";
import {
  RequestAbortedError,
  RequestBlockedError,
  RequestError,
  ResponseTooLargeError,
  TimeoutError,
  TooManyRedirectsError,
  UnsupportedUrlError,
  toRequestError,
} from "./request-errors";

/**
 * One outbound HTTP request (image downloads, webhook calls) behind the SSRF guard.
 *
 * node:http rather than global fetch, because only a `lookup` hook lets the guard judge the address
 * the socket really connects to, and fetch follows redirects without letting each hop be judged.
 */

export type GuardedRequestOptions = {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** The most body bytes accepted from a 2xx response. */
  maxBytes: number;
  /** The whole exchange: every redirect hop and the body. Defaults to `FETCH_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Name lookup plus TCP connect (plus TLS handshake for https), per hop. Defaults to `FETCH_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Hosts that may be private addresses and use any port; defaults to `FETCH_ALLOW_HOSTS`. */
  allowHosts?: readonly string[];
  /** Ports other hosts may be reached on; defaults to `FETCH_ALLOW_PORTS`. */
  allowPorts?: readonly number[];
  /** Name resolution; defaults to the system's `dns.lookup`. Tests make names resolve where they need. */
  resolve?: Resolver;
  /** Extra trusted certificate authorities (PEM), e.g. a test server's self-signed certificate. */
  ca?: string | string[];
};

export type GuardedResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
  /** True when the body of a non-2xx response was cut short (only its start is kept). */
  truncated: boolean;
};

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
// An error page is read only for a glimpse of what went wrong; a huge one is not worth the bytes.
const errorBodyBytes = 64 * 1024;
const credentialHeaders = ["authorization", "cookie", "proxy-authorization"];

export async function guardedRequest(url: string | URL, options: GuardedRequestOptions): Promise<GuardedResponse> {
  const timeoutMs = options.timeoutMs ?? config.fetch.timeoutMs;
  const connectTimeoutMs = options.connectTimeoutMs ?? config.fetch.connectTimeoutMs;
  const maxRedirects = options.maxRedirects ?? config.fetch.maxRedirects;
  const allowHosts = options.allowHosts ?? config.fetch.allowHosts;
  const allowPorts = options.allowPorts ?? config.fetch.allowPorts;
  const rules = { allowHosts, resolve: options.resolve };

  // One signal ends whatever is in flight: the total deadline or the caller's abort.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError("total", timeoutMs)), timeoutMs);
  const onCallerAbort = () => controller.abort(new RequestAbortedError());
  if (options.signal?.aborted) onCallerAbort();
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });

  let method = (options.method ?? "GET").toUpperCase();
  let body = options.body;
  let headers = lowerCaseKeys(options.headers ?? {});
  let current: string | URL = url;
  let host = "the server";
  try {
    for (let redirects = 0; ; redirects++) {
      const verdict = judgeUrl(current, { allowHosts, allowPorts });
      if (!verdict.allowed) {
        const message =
          redirects > 0 ? `the server redirected to a refused address: ${verdict.reason}` : verdict.reason;
        throw verdict.kind === "blocked" ? new RequestBlockedError(message) : new UnsupportedUrlError(message);
      }
      host = verdict.hostname;
      const response = await send({
        url: verdict.url,
        hostname: verdict.hostname,
        method,
        headers,
        body,
        rules,
        connectTimeoutMs,
        ca: options.ca,
        signal: controller.signal,
      });

      const location = response.headers.location;
      if (!redirectStatuses.has(response.statusCode ?? 0) || !location) {
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const { body: bytes, truncated } = await readBody(response, {
          limit: ok ? options.maxBytes : Math.min(options.maxBytes, errorBodyBytes),
          failWhenOver: ok,
          signal: controller.signal,
        });
        return { status, headers: response.headers, body: bytes, url: verdict.url.href, truncated };
      }

      response.destroy();
      if (redirects >= maxRedirects) throw new TooManyRedirectsError(maxRedirects);
      let next: URL;
      try {
        next = new URL(location, verdict.url);
      } catch {
        throw new UnsupportedUrlError("the server redirected to an invalid address");
      }
      // Browsers' rules: 303 always becomes GET, and so does a POST answered with 301/302.
      const status = response.statusCode;
      if ((status === 303 && method !== "HEAD") || ((status === 301 || status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
        headers = omit(headers, ["content-type", "content-length"]);
      }
      // Credentials meant for one site are not handed to another.
      if (next.origin !== verdict.url.origin) headers = omit(headers, credentialHeaders);
      current = next;
    }
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason instanceof RequestError) throw controller.signal.reason;
    throw toRequestError(error, host);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onCallerAbort);
  }
}

type SendOptions = {
  url: URL;
  hostname: string;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  rules: PoolRules;
  connectTimeoutMs: number;
  ca: string | string[] | undefined;
  signal: AbortSignal;
};

/**
 * Sends one request and resolves with the response head; the body is left unread.
 * A pooled socket can be closed by the server just as it is reused; the request then goes once more.
 */
function send(options: SendOptions, retryOnStaleSocket = true): Promise<IncomingMessage> {
  const { url, hostname, signal } = options;
  const secure = url.protocol === "https:";
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const headers: Record<string, string> = {
      ...options.headers,
      // Compressed bodies would dodge the byte limit (a small gzip can inflate to gigabytes) and must
      // stay as the server stored them.
      "accept-encoding": "identity",
    };
    if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
    const requestOptions: https.RequestOptions = {
      protocol: url.protocol,
      hostname,
      port: url.port ? Number(url.port) : secure ? 443 : 80,
      path: `${url.pathname}${url.search}`,
      method: options.method,
      headers,
      auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
      // The pool opens new sockets through the guard's lookup and reuses one only under the same rules.
      agent: agentFor(secure, options.rules),
      ca: options.ca,
    };
    const request = (secure ? https : http).request(requestOptions);

    let connectTimer: NodeJS.Timeout | undefined;
    const clearConnectTimer = () => clearTimeout(connectTimer);
    const onAbort = () => request.destroy(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const cleanUp = () => {
      clearConnectTimer();
      signal.removeEventListener("abort", onAbort);
    };

    request.on("socket", (socket: Socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(
        () => request.destroy(new TimeoutError("connect", options.connectTimeoutMs, hostname)),
        options.connectTimeoutMs,
      );
      socket.once(secure ? "secureConnect" : "connect", clearConnectTimer);
    });
    let answered = false;
    request.on("response", (response) => {
      answered = true;
      cleanUp();
      resolve(response);
    });
    request.on("error", (error: NodeJS.ErrnoException) => {
      cleanUp();
      // Only a socket that failed before any answer was stale; one reset mid-body is the body's failure.
      const dropped = !answered && (error.code === "ECONNRESET" || error.code === "EPIPE");
      if (retryOnStaleSocket && request.reusedSocket && dropped && !signal.aborted) resolve(send(options, false));
      else reject(error);
    });
    request.end(options.body);
  });
}

async function readBody(
  response: IncomingMessage,
  { limit, failWhenOver, signal }: { limit: number; failWhenOver: boolean; signal: AbortSignal },
): Promise<{ body: Buffer; truncated: boolean }> {
  const onAbort = () => response.destroy(signal.reason);
  if (signal.aborted) onAbort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    // Content-Length is only a claim, but a claim over the limit is enough to stop before reading.
    const declared = Number(response.headers["content-length"]);
    if (failWhenOver && Number.isFinite(declared) && declared > limit) {
      response.destroy();
      throw new ResponseTooLargeError(limit);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) {
        if (failWhenOver) throw new ResponseTooLargeError(limit);
        chunks.push(chunk.subarray(0, chunk.length - (total - limit)));
        response.destroy();
        return { body: Buffer.concat(chunks), truncated: true };
      }
      chunks.push(chunk);
    }
    return { body: Buffer.concat(chunks), truncated: false };
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function omit(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
}
