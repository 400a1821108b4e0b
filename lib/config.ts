import os from "node:os";
import { z } from "zod";

/**
 * Every setting of the service, read from the environment once and validated here.
 * No other module reads `process.env`: a bad setting stops the app at start with a clear message.
 */

const MB = 1024 * 1024;

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined));

const flag = (fallback: boolean) =>
  z
    .enum(["1", "0", "true", "false", "yes", "no", ""])
    .optional()
    .transform((value) => (value === undefined || value === "" ? fallback : ["1", "true", "yes"].includes(value)));

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

function hostList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}

/** Standard Webhooks secrets: `whsec_` and base64 of at least 24 bytes. */
function isWebhookSecret(value: string): boolean {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  return match !== null && Buffer.from(match[1], "base64").length >= 24;
}

/** An http(s) origin as a browser sends it in `Origin` (lower case, no default port), or null. */
function corsOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    const bare = url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
    return /^https?:$/.test(url.protocol) && bare && !/[?#]/.test(value) ? url.origin : null;
  } catch {
    return null;
  }
}

// `npm run dev` fetches from this machine out of the box, so a first try with local images works.
const DEVELOPMENT_HOSTS = ["127.0.0.1", "localhost", "::1"];

// An empty value (`PUBLIC_BASE_URL=` in a .env file) means the setting is not set.
const httpUrl = z.preprocess(
  (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
  z
    .string()
    .trim()
    .url()
    .refine((value) => /^https?:\/\//i.test(value), "must start with http:// or https://")
    .optional(),
);

// A worker holds one image from download to store; its CPU work waits for a slot of the image gate
// (lib/images/image-work-gate.ts), so more workers than cores keep downloads going while sharp works.
const defaultConcurrency = Math.max(8, Math.min(32, os.availableParallelism() * 4));
// Threads that download, hash, compress and store images (lib/jobs/image-threads.ts). The
// JavaScript side of one image costs a small fraction of its compression (libvips, on libuv's threads),
// so one thread per two cores keeps every core busy with sharp.
const defaultImageThreads = Math.max(1, Math.min(8, Math.floor(os.availableParallelism() / 2)));

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    NEXT_PHASE: optionalString,
    // Next.js's own: set, it leaves SIGTERM and SIGINT to the service (lib/shutdown.ts).
    NEXT_MANUAL_SIG_HANDLE: flag(false),
    PORT: int(3000, 1, 65535),
    PUBLIC_BASE_URL: httpUrl,

    DATABASE_URL: optionalString,
    PGLITE_DIR: z.string().trim().min(1).default(".data/pglite"),

    STORAGE_DIR: z.string().trim().min(1).default("processed_images"),
    // Room for one large upload: 10,000 products with a photo each, compressed to about 100 KB, come to
    // about 1 GB (the CSVs and database rows beside them are small). 0 turns the check off.
    MIN_FREE_DISK_BYTES: int(1024 * MB, 0, Number.MAX_SAFE_INTEGER),
    S3_BUCKET: optionalString,
    // The AWS SDK's own names count too, so a deployment set up for it needs nothing else;
    // S3_REGION and S3_ENDPOINT win when both are set.
    S3_REGION: optionalString,
    AWS_REGION: optionalString,
    S3_ENDPOINT: httpUrl,
    AWS_ENDPOINT_URL_S3: httpUrl,
    AWS_ENDPOINT_URL: httpUrl,
    S3_FORCE_PATH_STYLE: flag(false),
    S3_PUBLIC_BASE_URL: httpUrl,
    S3_PRESIGN_SECONDS: int(0, 0, 7 * 24 * 3600),

    JOB_RUNNER: z.enum(["inline", "inngest"]).optional(),
    WORKER_CONCURRENCY: int(defaultConcurrency, 1, 256),
    IMAGE_THREADS: int(defaultImageThreads, 1, 64),
    IMAGE_QUALITY: int(50, 1, 100),
    IMAGE_MAX_ATTEMPTS: int(4, 1, 20),
    RETRY_BASE_MS: int(1000, 1, 600_000),

    // Unset and set-but-empty differ: unset lets development fetch from this machine.
    FETCH_ALLOW_HOSTS: z.string().optional(),
    FETCH_ALLOW_PORTS: z
      .string()
      .default("80,443")
      .transform((value, context) => {
        const ports = value
          .split(",")
          .map((port) => port.trim())
          .filter(Boolean)
          .map(Number);
        if (ports.some((port) => !Number.isInteger(port) || port < 1 || port > 65535)) {
          context.addIssue({ code: "custom", message: "must be a comma-separated list of ports (1-65535)" });
        }
        return ports;
      }),
    FETCH_TIMEOUT_MS: int(15_000, 100, 600_000),
    FETCH_CONNECT_TIMEOUT_MS: int(5_000, 50, 120_000),
    FETCH_MAX_REDIRECTS: int(5, 0, 20),

    MAX_CSV_BYTES: int(10 * MB, 1, 1024 * MB),
    MAX_ROWS: int(10_000, 1, 1_000_000),
    MAX_URLS_PER_ROW: int(50, 1, 10_000),
    MAX_IMAGES_PER_REQUEST: int(50_000, 1, 10_000_000),
    MAX_PRODUCT_NAME_LENGTH: int(500, 1, 100_000),
    UPLOAD_TIMEOUT_MS: int(120_000, 1_000, 3_600_000),
    MAX_IMAGE_BYTES: int(25 * MB, 1, 1024 * MB),
    MAX_IMAGE_PIXELS: int(50_000_000, 1, 1_000_000_000),
    // 50 MP of 16-bit RGBA: the largest image the pixel limit lets through, decoded.
    MAX_IMAGE_DECODED_BYTES: int(400 * MB, 1, 16 * 1024 * MB),
    IMAGE_MEMORY_BUDGET_BYTES: int(512 * MB, 16 * MB, 64 * 1024 * MB),
    // Node's own setting: the threads sharp (and file access) run on.
    UV_THREADPOOL_SIZE: int(4, 1, 1024),
    FETCH_HOST_CONCURRENCY: int(6, 1, 256),
    SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
    // 0 keeps every request for ever.
    RETENTION_DAYS: int(30, 0, 36_500),
    MAX_ANIMATION_FRAMES: int(1000, 1, 100_000),
    // Long side of the copy of each original kept for a full-size compare; 0 keeps none (less work).
    COMPARE_PREVIEW_MAX_SIDE: int(2048, 0, 16_383),
    // Trials (a few images compressed before an upload) keep their results in memory only, this long.
    TRIAL_CACHE_BYTES: int(64 * MB, 1 * MB, 4096 * MB),
    TRIAL_CACHE_SECONDS: int(900, 10, 86_400),

    WEBHOOK_URL: httpUrl,
    WEBHOOK_SECRET: optionalString.refine(
      (value) => value === undefined || isWebhookSecret(value),
      "must be whsec_ followed by at least 24 random bytes in base64 (for example: echo whsec_$(openssl rand -base64 32))",
    ),
    WEBHOOK_MAX_ATTEMPTS: int(5, 1, 20),

    INNGEST_DEV: flag(false),
    INNGEST_EVENT_KEY: optionalString,
    INNGEST_SIGNING_KEY: optionalString,
    INNGEST_BASE_URL: httpUrl,
    INNGEST_CONCURRENCY: int(20, 1, 1000),
    INNGEST_OWNER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).optional(),
    // The per-owner limit's earlier name, from when it applied per request.
    INNGEST_REQUEST_CONCURRENCY: z.coerce.number().int().min(1).max(1000).optional(),

    AUTH_MODE: z.enum(["open", "keys"]).default("open"),
    AUTH_SECRET: optionalString.refine(
      (value) => value === undefined || value.length >= 32,
      "must be at least 32 characters (for example: openssl rand -base64 32)",
    ),
    TRUST_PROXY: flag(false),
    CORS_ALLOW_ORIGINS: z
      .string()
      .optional()
      .transform((value, context) => {
        const origins = (value ?? "")
          .split(",")
          .map((origin) => origin.trim())
          .filter(Boolean);
        const bad = origins.filter((origin) => origin !== "*" && corsOrigin(origin) === null);
        if (bad.length > 0) {
          context.addIssue({
            code: "custom",
            message: `${bad.map((origin) => JSON.stringify(origin)).join(", ")}: each entry must be an origin (scheme, host and port only, such as https://shop.example.com), or * for any`,
          });
        }
        return origins.map((origin) => (origin === "*" ? origin : corsOrigin(origin)!));
      }),
    RATE_LIMIT_UPLOADS_PER_MINUTE: int(30, 1, 100_000),
    RATE_LIMIT_IMAGES_PER_HOUR: int(250_000, 1, 100_000_000),
    RATE_LIMIT_REQUESTS_AT_ONCE: int(10, 1, 10_000),
    // The whole service's share, behind every client's: clients that are many (a botnet, a network of
    // addresses) get no more than this together.
    RATE_LIMIT_SERVER_UPLOADS_PER_MINUTE: int(300, 1, 10_000_000),
    RATE_LIMIT_SERVER_IMAGES_PER_HOUR: int(1_000_000, 1, 1_000_000_000),
    RATE_LIMIT_TRIALS_PER_MINUTE: int(10, 1, 100_000),
    RATE_LIMIT_SERVER_TRIALS_PER_MINUTE: int(100, 1, 10_000_000),
    HEALTH_CACHE_MS: int(5_000, 0, 600_000),
    STATUS_CACHE_MS: int(1_000, 0, 60_000),
    METRICS_TOKEN: optionalString,

    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
  })
  .superRefine((env, context) => {
    if (env.AUTH_MODE === "keys" && !env.AUTH_SECRET) {
      context.addIssue({
        code: "custom",
        path: ["AUTH_SECRET"],
        message: "is required with AUTH_MODE=keys: it signs the dashboard's sessions (openssl rand -base64 32)",
      });
    }
    if (env.MAX_IMAGE_DECODED_BYTES > env.IMAGE_MEMORY_BUDGET_BYTES) {
      context.addIssue({
        code: "custom",
        path: ["MAX_IMAGE_DECODED_BYTES"],
        message: "must not exceed IMAGE_MEMORY_BUDGET_BYTES: the largest image must fit in the budget",
      });
    }
    if (env.JOB_RUNNER === "inngest" && !env.INNGEST_DEV && !(env.INNGEST_EVENT_KEY && env.INNGEST_SIGNING_KEY)) {
      context.addIssue({
        code: "custom",
        path: ["JOB_RUNNER"],
        message: "inngest needs INNGEST_DEV=1, or INNGEST_EVENT_KEY and INNGEST_SIGNING_KEY",
      });
    }
  })
  .transform((env) => {
    const inngestConfigured = env.INNGEST_DEV || Boolean(env.INNGEST_EVENT_KEY && env.INNGEST_SIGNING_KEY);
    return {
      env: env.NODE_ENV,
      isBuildPhase: env.NEXT_PHASE === "phase-production-build",
      handlesSignals: env.NEXT_MANUAL_SIG_HANDLE,
      port: env.PORT,
      publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
      database: env.DATABASE_URL
        ? ({ kind: "postgres", url: env.DATABASE_URL } as const)
        : ({ kind: "pglite", dir: env.PGLITE_DIR } as const),
      storage: env.S3_BUCKET
        ? ({
            kind: "s3",
            bucket: env.S3_BUCKET,
            region: env.S3_REGION ?? env.AWS_REGION ?? "us-east-1",
            endpoint: env.S3_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
            forcePathStyle: env.S3_FORCE_PATH_STYLE,
            publicBaseUrl: env.S3_PUBLIC_BASE_URL?.replace(/\/+$/, ""),
            presignSeconds: env.S3_PRESIGN_SECONDS,
          } as const)
        : ({ kind: "local", dir: env.STORAGE_DIR } as const),
      jobs: {
        runner: env.JOB_RUNNER ?? (inngestConfigured ? "inngest" : "inline"),
        concurrency: env.WORKER_CONCURRENCY,
        /** Worker threads the images are processed on, off the thread that answers clients. */
        imageThreads: env.IMAGE_THREADS,
        /** Downloads from one host at once: one slow or hostile host cannot hold every worker. */
        perHostConcurrency: env.FETCH_HOST_CONCURRENCY,
        shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
        maxAttempts: env.IMAGE_MAX_ATTEMPTS,
        retryBaseMs: env.RETRY_BASE_MS,
      },
      images: {
        defaultQuality: env.IMAGE_QUALITY,
        maxBytes: env.MAX_IMAGE_BYTES,
        maxPixels: env.MAX_IMAGE_PIXELS,
        maxDecodedBytes: env.MAX_IMAGE_DECODED_BYTES,
        memoryBudgetBytes: env.IMAGE_MEMORY_BUDGET_BYTES,
        cpuSlots: env.UV_THREADPOOL_SIZE,
        maxFrames: env.MAX_ANIMATION_FRAMES,
        comparePreviewMaxSide: env.COMPARE_PREVIEW_MAX_SIDE,
      },
      fetch: {
        allowHosts:
          env.FETCH_ALLOW_HOSTS !== undefined
            ? hostList(env.FETCH_ALLOW_HOSTS)
            : env.NODE_ENV === "development"
              ? DEVELOPMENT_HOSTS
              : [],
        /** True when development opened this machine's addresses because FETCH_ALLOW_HOSTS is unset. */
        allowPorts: env.FETCH_ALLOW_PORTS,
        loopbackByDefault: env.FETCH_ALLOW_HOSTS === undefined && env.NODE_ENV === "development",
        timeoutMs: env.FETCH_TIMEOUT_MS,
        connectTimeoutMs: env.FETCH_CONNECT_TIMEOUT_MS,
        maxRedirects: env.FETCH_MAX_REDIRECTS,
      },
      csv: {
        maxBytes: env.MAX_CSV_BYTES,
        maxRows: env.MAX_ROWS,
        maxUrlsPerRow: env.MAX_URLS_PER_ROW,
        maxImages: env.MAX_IMAGES_PER_REQUEST,
        maxProductNameLength: env.MAX_PRODUCT_NAME_LENGTH,
        /** How long reading one upload's body may take: a slow sender cannot hold a connection for ever. */
        uploadTimeoutMs: env.UPLOAD_TIMEOUT_MS,
      },
      webhook: {
        defaultUrl: env.WEBHOOK_URL,
        secret: env.WEBHOOK_SECRET,
        maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      },
      metricsToken: env.METRICS_TOKEN,
      auth: { mode: env.AUTH_MODE, secret: env.AUTH_SECRET, trustProxy: env.TRUST_PROXY },
      /** Origins whose pages may call the API from a browser (`*`: any); empty, the browser's same-origin rule stands. */
      corsAllowOrigins: env.CORS_ALLOW_ORIGINS,
      limits: {
        uploadsPerMinute: env.RATE_LIMIT_UPLOADS_PER_MINUTE,
        imagesPerHour: env.RATE_LIMIT_IMAGES_PER_HOUR,
        requestsAtOnce: env.RATE_LIMIT_REQUESTS_AT_ONCE,
        serverUploadsPerMinute: env.RATE_LIMIT_SERVER_UPLOADS_PER_MINUTE,
        serverImagesPerHour: env.RATE_LIMIT_SERVER_IMAGES_PER_HOUR,
        trialsPerMinute: env.RATE_LIMIT_TRIALS_PER_MINUTE,
        serverTrialsPerMinute: env.RATE_LIMIT_SERVER_TRIALS_PER_MINUTE,
      },
      /** Trials: results kept in this process's memory, at most these bytes, for this long. */
      trial: { cacheBytes: env.TRIAL_CACHE_BYTES, cacheSeconds: env.TRIAL_CACHE_SECONDS },
      /** Days a finished request and its files are kept; 0 keeps them for ever. */
      retentionDays: env.RETENTION_DAYS,
      /** How long one status answer is shared by everyone polling the same request. */
      statusCacheMs: env.STATUS_CACHE_MS,
      health: {
        // Storage is asked at most this often; the database at most every second.
        storageCacheMs: env.HEALTH_CACHE_MS,
        databaseCacheMs: Math.min(1_000, env.HEALTH_CACHE_MS),
        /** Free space below which the disk under the storage folder or the PGlite folder counts as broken. */
        minFreeDiskBytes: env.MIN_FREE_DISK_BYTES,
      },
      log: {
        level: env.LOG_LEVEL,
        // Readable lines for a person at a terminal; JSON lines for whatever collects production logs.
        format: env.LOG_FORMAT ?? (env.NODE_ENV === "development" ? "pretty" : "json"),
      },
      inngest: {
        configured: inngestConfigured,
        dev: env.INNGEST_DEV,
        eventKey: env.INNGEST_EVENT_KEY,
        signingKey: env.INNGEST_SIGNING_KEY,
        baseUrl: env.INNGEST_BASE_URL,
        concurrency: env.INNGEST_CONCURRENCY,
        ownerConcurrency: env.INNGEST_OWNER_CONCURRENCY ?? env.INNGEST_REQUEST_CONCURRENCY ?? 5,
      },
    };
  });

export type Config = z.output<typeof schema>;

/** The name of every setting read here (docs/settings.md and .env.example are tested against it). */
export const settingNames: readonly string[] = Object.keys(schema.in.shape);

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses a set of environment variables; exported so tests can check the verdict on bad settings. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid settings:\n${problems.join("\n")}`);
  }
  return result.data;
}

export const config: Config = loadConfig(process.env);
