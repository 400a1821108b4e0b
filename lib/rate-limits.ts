import "server-only";
import { RateLimiterDrizzle, RateLimiterRes } from "rate-limiter-flexible";
import { getDb } from "@/db/client";
import { countProcessingRequests } from "@/db/requests";
import { rateLimits } from "@/db/schema";
import { config } from "./config";
import { type AppError, rejectedUpload } from "./errors";
import { processSingleton } from "@/lib/process-singleton";

/**
 * Limits per client (a workspace in keys mode, an address in open mode): uploads a minute, images an
 * hour, requests processing at once; behind them, the whole service's uploads a minute and images an
 * hour, so that clients who are many get no more than that together. Counts live in the database
 * (rate-limiter-flexible's Drizzle store), so every instance on one PostgreSQL shares them and a
 * restart does not reset them.
 *
 * A refusal is a 429 naming the limit, with `Retry-After` and the IETF `RateLimit` and
 * `RateLimit-Policy` headers; it is decided before anything is stored.
 */

type Window = {
  name: "uploads" | "images" | "trials";
  points: number;
  seconds: number;
  describe: (points: number) => string;
};

/** The service's own windows, counted under one key for every client. */
const SERVER_KEY = "server";

const serverWindows: Record<Window["name"], Window> = {
  uploads: {
    name: "uploads",
    points: config.limits.serverUploadsPerMinute,
    seconds: 60,
    describe: (points) => `${points} uploads a minute for the whole service (RATE_LIMIT_SERVER_UPLOADS_PER_MINUTE)`,
  },
  images: {
    name: "images",
    points: config.limits.serverImagesPerHour,
    seconds: 3600,
    describe: (points) =>
      `${points.toLocaleString("en-US")} images an hour for the whole service (RATE_LIMIT_SERVER_IMAGES_PER_HOUR)`,
  },
  trials: {
    name: "trials",
    points: config.limits.serverTrialsPerMinute,
    seconds: 60,
    describe: (points) => `${points} trials a minute for the whole service (RATE_LIMIT_SERVER_TRIALS_PER_MINUTE)`,
  },
};

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
  // A trial works on a few images at once and keeps nothing: counted apart from uploads and images.
  trials: {
    name: "trials",
    points: config.limits.trialsPerMinute,
    seconds: 60,
    describe: (points) => `${points} trials a minute (RATE_LIMIT_TRIALS_PER_MINUTE)`,
  },
};

/** One limiter per window, the client's under its name and the service's under `server-<name>`. */
function limiters(): Promise<Map<string, RateLimiterDrizzle>> {
  return processSingleton("rate limiters", () =>
    getDb().then((db) => {
      const limiter = (keyPrefix: string, window: Window) =>
        new RateLimiterDrizzle({
          storeClient: db,
          schema: rateLimits,
          keyPrefix,
          points: window.points,
          duration: window.seconds,
        });
      return new Map([
        ...Object.values(windows).map((window) => [window.name, limiter(window.name, window)] as const),
        ...Object.values(serverWindows).map(
          (window) => [`server-${window.name}`, limiter(`server-${window.name}`, window)] as const,
        ),
      ]);
    }),
  );
}

/** Headers that tell a client where it stands: IETF `RateLimit-Policy` and `RateLimit`. */
export type LimitHeaders = Record<string, string>;

/** What a refusal kept from happening: an upload, a retry of a request's failed images, or a trial. */
export type Metered = "upload" | "retry" | "trial";

const keptFromHappening: Record<Metered, string> = {
  upload: "nothing was stored",
  retry: "no image was put back in line",
  trial: "no image was tried",
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
  const headers = await consumeWindow(windows[limit], limit, clientKey, points, metered);
  try {
    await consumeWindow(serverWindows[limit], `server-${limit}`, SERVER_KEY, points, metered);
  } catch (error) {
    // The service's share is spent: the client's points were not used after all.
    await (
      await limiters()
    )
      .get(limit)!
      .reward(clientKey, points)
      .catch(() => {});
    throw error;
  }
  return headers;
}

async function consumeWindow(
  window: Window,
  limiterName: string,
  key: string,
  points: number,
  metered: Metered,
): Promise<LimitHeaders> {
  const limiter = (await limiters()).get(limiterName)!;
  if (points > window.points) {
    throw tooMany(window, window.seconds * 1000, metered, `this ${metered} alone has ${points}`);
  }
  try {
    const result = await limiter.consume(key, points);
    return headersOf(window, result);
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    await limiter.reward(key, points);
    throw tooMany(window, error.msBeforeNext, metered);
  }
}

/** Gives points back (the client's and the service's): what they were counted for was not stored after all. */
export async function refund(limit: Window["name"], clientKey: string, points: number) {
  const all = await limiters();
  await Promise.all([
    all.get(limit)!.reward(clientKey, points),
    all.get(`server-${limit}`)!.reward(SERVER_KEY, points),
  ]);
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
