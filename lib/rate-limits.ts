import "server-only";
import { RateLimiterDrizzle, RateLimiterRes } from "rate-limiter-flexible";
import { getDb } from "@/db/client";
import { countProcessingRequests } from "@/db/queries";
import { rateLimits } from "@/db/schema";
import { config } from "./config";
import { type AppError, rejectedUpload } from "./errors";

/**
 * Limits per client (a workspace in keys mode, an address in open mode): uploads a minute, images an
 * hour, requests processing at once. Counts live in the database (rate-limiter-flexible's Drizzle
 * store), so every instance on one PostgreSQL shares them and a restart does not reset them.
 *
 * A refusal is a 429 naming the limit, with `Retry-After` and the IETF `RateLimit` and
 * `RateLimit-Policy` headers; it is decided before anything is stored.
 */

type Window = { name: "uploads" | "images"; points: number; seconds: number; describe: (points: number) => string };

const windows: Record<Window["name"], Window> = {
  uploads: {
    name: "uploads",
    points: config.limits.uploadsPerMinute,
    seconds: 60,
    describe: (points) => `${points} uploads a minute (RATE_LIMIT_UPLOADS_PER_MINUTE)`,
  },
  images: {
    name: "images",
    points: config.limits.imagesPerHour,
    seconds: 3600,
    describe: (points) => `${points.toLocaleString("en-US")} images an hour (RATE_LIMIT_IMAGES_PER_HOUR)`,
  },
};

const slot = globalThis as typeof globalThis & { __csvImageLimiters?: Promise<Map<string, RateLimiterDrizzle>> };

function limiters(): Promise<Map<string, RateLimiterDrizzle>> {
  slot.__csvImageLimiters ??= getDb().then(
    (db) =>
      new Map(
        Object.values(windows).map((window) => [
          window.name,
          new RateLimiterDrizzle({
            storeClient: db,
            schema: rateLimits,
            keyPrefix: window.name,
            points: window.points,
            duration: window.seconds,
          }),
        ]),
      ),
  );
  return slot.__csvImageLimiters;
}

/** Headers that tell a client where it stands: IETF `RateLimit-Policy` and `RateLimit`. */
export type LimitHeaders = Record<string, string>;

/** What a refusal kept from happening: an upload, or a retry of a request's failed images. */
export type Metered = "upload" | "retry";

const keptFromHappening: Record<Metered, string> = {
  upload: "nothing was stored",
  retry: "no image was put back in line",
};

/**
 * Counts `points` against a client's window; throws the 429 when they do not fit. A refused call
 * consumes nothing, so a client held back by a large upload can still send a small one.
 */
export async function consume(
  limit: Window["name"],
  clientKey: string,
  points = 1,
  metered: Metered = "upload",
): Promise<LimitHeaders> {
  const window = windows[limit];
  const limiter = (await limiters()).get(limit)!;
  if (points > window.points) {
    throw tooMany(window, window.seconds * 1000, metered, `this ${metered} alone has ${points}`);
  }
  try {
    const result = await limiter.consume(clientKey, points);
    return headersOf(window, result);
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    await limiter.reward(clientKey, points);
    throw tooMany(window, error.msBeforeNext, metered);
  }
}

/** Gives points back: what they were counted for was not stored after all. */
export async function refund(limit: Window["name"], clientKey: string, points: number) {
  await (await limiters()).get(limit)!.reward(clientKey, points);
}

/**
 * Refuses one more processing request (a new upload, or a finished one retried) while the client
 * already has `RATE_LIMIT_REQUESTS_AT_ONCE` processing.
 */
export async function checkRequestsAtOnce(clientKey: string, metered: Metered = "upload") {
  const atOnce = config.limits.requestsAtOnce;
  if ((await countProcessingRequests(clientKey)) < atOnce) return;
  const again = metered === "upload" ? "Upload again" : "Retry";
  throw rejectedUpload(
    "too_many_requests:processing",
    `You have ${atOnce} requests processing, the most at once (RATE_LIMIT_REQUESTS_AT_ONCE); ${keptFromHappening[metered]}. ${again} once one has finished.`,
    { "Retry-After": "30" },
  );
}

function headersOf(window: Window, result: RateLimiterRes): LimitHeaders {
  const reset = Math.ceil(Math.max(0, result.msBeforeNext) / 1000);
  return {
    "RateLimit-Policy": `"${window.name}";q=${window.points};w=${window.seconds}`,
    RateLimit: `"${window.name}";r=${result.remainingPoints};t=${reset}`,
  };
}

function tooMany(window: Window, msBeforeNext: number, metered: Metered, detail?: string): AppError {
  const wait = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return rejectedUpload(
    "too_many_requests:rate_limit",
    `Too many ${window.name}: the limit is ${window.describe(window.points)}${detail ? ` and ${detail}` : ""}; ${keptFromHappening[metered]}. Try again in ${wait} s.`,
    {
      "Retry-After": String(wait),
      "RateLimit-Policy": `"${window.name}";q=${window.points};w=${window.seconds}`,
      RateLimit: `"${window.name}";r=0;t=${wait}`,
    },
  );
}
