import { Readable } from "node:stream";
import { randomUUID } from "node:crypto";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { ByteRange, PutBody, PutOptions, Storage, StoredFileInfo, StoredObject } from "./storage";
import { StorageError } from "./storage";
import { contentTypeForKey } from "./content-types";
import { isSafeKey } from "./keys";

/** `config.storage` when `S3_BUCKET` is set. */
export type S3StorageSettings = {
  kind?: "s3";
  bucket: string;
  region: string;
  /** S3-compatible endpoint (MinIO, R2, s3rver); unset for AWS itself. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Base of public object URLs, e.g. a CDN in front of the bucket. */
  publicBaseUrl?: string;
  /** Above 0: object URLs are presigned GET links valid this long; 0: plain (public) URLs. */
  presignSeconds: number;
};

export type S3StorageOptions = {
  /** Explicit credentials (tests); unset, the AWS SDK's default chain finds them (env, profile, role). */
  credentials?: S3ClientConfig["credentials"];
  /** A prepared client; replaces the one built from the settings. */
  client?: S3Client;
};

const MB = 1024 * 1024;
// S3's minimum part size; lib-storage sends one PutObject below it and a multipart upload above.
const PART_SIZE = 5 * MB;
// A down or unreachable store must fail an image in seconds, not after the SDK's minutes-long defaults.
const CONNECT_TIMEOUT_MS = 3_000;
// Time until response headers; a 5 MB part must fit in it on a slow uplink.
const REQUEST_TIMEOUT_MS = 60_000;
// A stalled connection (no bytes either way), also while a response body is streamed.
const SOCKET_IDLE_TIMEOUT_MS = 15_000;
const MAX_ATTEMPTS = 3;

const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);
const ACCESS_DENIED = new Set([
  "AccessDenied",
  "Forbidden",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "AllAccessDisabled",
]);

/**
 * Objects in an S3 bucket or any S3-compatible store.
 * Output URLs are presigned links, or plain URLs under a public base URL or the bucket's own address.
 */
export class S3Storage implements Storage {
  readonly name = "s3";
  readonly displayName = "S3";
  readonly servedByApp = false;
  readonly fileOrigins: readonly string[];
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly settings: S3StorageSettings;
  /** Where objects are fetched from when the bucket is public: `<base>/<encoded key>`. */
  private readonly objectUrlBase: string;
  /** For error messages: the address the SDK talks to. */
  private readonly endpointLabel: string;

  constructor(settings: S3StorageSettings, options: S3StorageOptions = {}) {
    this.settings = settings;
    this.bucket = settings.bucket;
    const endpoint = settings.endpoint?.replace(/\/+$/, "");
    this.endpointLabel = endpoint ?? `https://s3.${settings.region}.amazonaws.com`;
    this.objectUrlBase = objectUrlBase(settings);
    // Plain links point at the public base URL, presigned ones at the bucket's own address.
    this.fileOrigins = [
      ...new Set([this.objectUrlBase, objectUrlBase({ ...settings, publicBaseUrl: undefined })].map(originOf)),
    ];
    this.client =
      options.client ??
      new S3Client({
        region: settings.region,
        endpoint,
        forcePathStyle: settings.forcePathStyle,
        credentials: options.credentials,
        // Checksums only where S3 requires them: otherwise the SDK sends streamed bodies with
        // aws-chunked framing, which several S3-compatible stores (s3rver, older MinIO) store verbatim.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        maxAttempts: MAX_ATTEMPTS,
        // Options for the SDK's own NodeHttpHandler, which builds one from them: the app does not import
        // @smithy/node-http-handler, a dependency of the SDK and not of ours. Without throwOnRequestTimeout
        // an exceeded requestTimeout only logs a warning.
        requestHandler: {
          connectionTimeout: CONNECT_TIMEOUT_MS,
          requestTimeout: REQUEST_TIMEOUT_MS,
          throwOnRequestTimeout: true,
          socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
        },
      });
  }

  async put(key: string, body: PutBody, options: PutOptions): Promise<void> {
    this.assertKey(key);
    try {
      const upload = new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: key,
          Body: typeof body === "string" ? Buffer.from(body) : Buffer.isBuffer(body) ? body : Readable.from(body),
          ContentType: options.contentType,
          CacheControl: options.cacheControl,
        },
        partSize: PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (error) {
      throw this.failure(`Could not write ${key}`, error);
    }
  }

  async copy(from: string, to: string): Promise<boolean> {
    this.assertKey(from);
    this.assertKey(to);
    try {
      // The object's content type and Cache-Control come with it (MetadataDirective COPY).
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          // URL-encoded, each segment whole: `encodeURI` would leave `?`, `#` and `+` in a key as they are.
          CopySource: `${encodeURIComponent(this.bucket)}/${encodeKey(from)}`,
          MetadataDirective: "COPY",
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === "NoSuchKey" || httpStatus(error) === 404) return false;
      throw this.failure(`Could not copy ${from} to ${to}`, error);
    }
  }

  async get(key: string, { range }: { range?: ByteRange } = {}): Promise<StoredObject | null> {
    this.assertKey(key);
    try {
      const result = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      if (!result.Body) return null;
      return {
        body: result.Body.transformToWebStream() as ReadableStream<Uint8Array>,
        contentType: result.ContentType ?? contentTypeForKey(key),
        size: result.ContentLength ?? null,
      };
    } catch (error) {
      if (errorName(error) === "NoSuchKey" || (errorName(error) === "NotFound" && httpStatus(error) === 404))
        return null;
      throw this.failure(`Could not read ${key}`, error);
    }
  }

  async stat(key: string): Promise<StoredFileInfo | null> {
    this.assertKey(key);
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        contentType: result.ContentType ?? contentTypeForKey(key),
        size: result.ContentLength ?? 0,
        lastModified: result.LastModified ?? new Date(0),
        // S3's ETag is a strong validator of the object's bytes (an MD5, or a multipart upload's tag).
        etag: result.ETag ?? `"${result.ContentLength ?? 0}"`,
      };
    } catch (error) {
      if (errorName(error) === "NoSuchKey" || errorName(error) === "NotFound" || httpStatus(error) === 404) return null;
      throw this.failure(`Could not read ${key}`, error);
    }
  }

  get linksExpire(): boolean {
    return this.settings.presignSeconds > 0;
  }

  async delete(key: string): Promise<void> {
    this.assertKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw this.failure(`Could not delete ${key}`, error);
    }
  }

  async deleteFolder(folder: string): Promise<void> {
    this.assertKey(folder);
    try {
      // A listing page holds at most 1,000 keys, as many as one DeleteObjects call takes.
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${folder}/`, ContinuationToken: token }),
        );
        const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
        if (keys.length > 0) await this.deleteMany(keys);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw this.failure(`Could not delete ${folder}/`, error);
    }
  }

  /**
   * One DeleteObjects call for up to 1,000 keys; keys it could not delete (or all of them, when an
   * S3-compatible store fails the call itself) are deleted one by one, which every store supports.
   */
  private async deleteMany(keys: string[]) {
    let left: string[];
    try {
      const result = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      left = (result.Errors ?? []).flatMap((error) => (error.Key ? [error.Key] : []));
    } catch (error) {
      if (isUnreachable(error)) throw error;
      left = keys;
    }
    for (const key of left) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async publicUrl(key: string): Promise<string> {
    this.assertKey(key);
    if (this.settings.presignSeconds > 0) {
      try {
        return await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
          expiresIn: this.settings.presignSeconds,
        });
      } catch (error) {
        throw this.failure(`Could not sign a link to ${key}`, error);
      }
    }
    return `${this.objectUrlBase}/${encodeKey(key)}`;
  }

  async check({ write = false }: { write?: boolean } = {}): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      // HeadBucket answers without a body, so a missing bucket is a bare 404.
      throw this.failure("S3 storage check failed", error, { notFoundIsBucket: true });
    }
    if (!write) return;
    // HeadBucket only needs read rights; the service also writes, so prove that with a tiny object.
    const probe = `.health/${randomUUID()}`;
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: probe, Body: "ok", ContentType: "text/plain" }),
      );
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: probe }));
    } catch (error) {
      throw this.failure("S3 storage check failed: could not write a test object", error);
    }
  }

  /** Closes the client's sockets; the storage cannot be used afterwards. */
  destroy(): void {
    this.client.destroy();
  }

  private assertKey(key: string): void {
    // The same keys as the local folder accepts, so both stores behave alike.
    if (!isSafeKey(key)) throw new StorageError(`Invalid storage key: ${JSON.stringify(key)}`);
  }

  /** Turns an SDK or network error into a StorageError that says what to fix. */
  private failure(action: string, error: unknown, { notFoundIsBucket = false } = {}): StorageError {
    const name = errorName(error);
    const status = httpStatus(error);
    const detail = describe(error);
    let reason: string;
    if (isUnreachable(error)) {
      reason = `S3 endpoint ${this.endpointLabel} cannot be reached (${detail})`;
    } else if (name === "NoSuchBucket" || (notFoundIsBucket && status === 404)) {
      reason = `bucket ${this.bucket} does not exist at ${this.endpointLabel}`;
    } else if (name === "CredentialsProviderError") {
      reason = `access denied to bucket ${this.bucket} (check credentials): no AWS credentials were found (${detail})`;
    } else if (ACCESS_DENIED.has(name) || status === 403) {
      reason = `access denied to bucket ${this.bucket} (check credentials): ${detail}`;
    } else if (name === "PermanentRedirect" || name === "AuthorizationHeaderMalformed" || status === 301) {
      reason = `bucket ${this.bucket} is not in region ${this.settings.region} (check S3_REGION): ${detail}`;
    } else {
      reason = `S3 error on bucket ${this.bucket} at ${this.endpointLabel}: ${detail}`;
    }
    return new StorageError(`${action}: ${reason}`, { cause: error });
  }
}

/** Where a bucket's objects are fetched from when the bucket is public: `<base>/<encoded key>`. */
function objectUrlBase(settings: S3StorageSettings): string {
  if (settings.publicBaseUrl) return settings.publicBaseUrl.replace(/\/+$/, "");
  const { bucket, region, forcePathStyle } = settings;
  const endpoint = settings.endpoint?.replace(/\/+$/, "");
  if (endpoint) {
    if (forcePathStyle) return `${endpoint}/${encodeURIComponent(bucket)}`;
    const url = new URL(endpoint);
    return `${url.protocol}//${bucket}.${url.host}${url.pathname.replace(/\/+$/, "")}`;
  }
  // A bucket name with dots breaks the TLS wildcard certificate of virtual-hosted URLs: use path style.
  if (forcePathStyle || bucket.includes(".")) return `https://s3.${region}.amazonaws.com/${encodeURIComponent(bucket)}`;
  return `https://${bucket}.s3.${region}.amazonaws.com`;
}

const originOf = (url: string) => new URL(url).origin;

function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

function errorName(error: unknown): string {
  return typeof error === "object" && error !== null && "name" in error ? String(error.name) : "";
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** Network failures show up as Node errors with a code, sometimes nested in `cause` or an AggregateError. */
function isUnreachable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 4) return false;
  const { code, name, cause, errors } = error as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return true;
  if (name === "TimeoutError") return true;
  if (Array.isArray(errors) && errors.some((inner) => isUnreachable(inner, depth + 1))) return true;
  return isUnreachable(cause, depth + 1);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = httpStatus(error);
  // Answers without a body (HeadBucket, HEAD requests) reach us as "Unknown: UnknownError".
  if (status && (error.name === "Unknown" || error.message === "UnknownError" || !error.message)) {
    return `HTTP ${status}${error.name && error.name !== "Unknown" ? ` ${error.name}` : ""}`;
  }
  const code = (error as { code?: unknown }).code;
  const message = error.message || (error instanceof AggregateError ? error.errors.map(String).join("; ") : "");
  const label = typeof code === "string" && !message.includes(code) ? `${error.name} ${code}` : error.name;
  return message ? `${label}: ${message}` : label;
}
