import "server-only";
import { randomUUID } from "node:crypto";
import { type Client, identifyClient } from "@/lib/auth/identify-client";
import { config } from "@/lib/config";
import { type TrialImage, TrialRequest, type TrialResult } from "@/lib/contract";
import { readImageUrl } from "@/lib/csv/image-urls";
import { AppError } from "@/lib/errors";
import { parseJsonBody } from "@/lib/http";
import { imageThreads } from "@/lib/jobs/image-threads";
import { consume } from "@/lib/rate-limits";
import { trialCache } from "./trial-cache";
import type { TriedImage, TrialOptions } from "./trial-work";

/**
 * A trial: a few image URLs compressed with the options an upload would use, so a seller can judge
 * the result before committing a whole file. Bounded (at most `MAX_TRIAL_IMAGES` URLs, counted
 * against the caller's trials a minute), worked on the image threads like any upload's images, and
 * stored nowhere but the trial cache: no request, no row, no file.
 */
export async function runTrial(request: Request): Promise<{ result: TrialResult; headers: Record<string, string> }> {
  const caller = await identifyClient(request);
  const body = await parseJsonBody(request, TrialRequest);
  body.urls.forEach((url, index) => {
    const read = readImageUrl(url.trim());
    if ("problem" in read) throw new AppError("bad_request:body", `urls.${index}: ${read.problem}`);
  });
  const options: TrialOptions = {
    quality: body.quality ?? config.images.defaultQuality,
    format: body.format ?? "keep",
    maxWidth: body.maxWidth ?? null,
    maxHeight: body.maxHeight ?? null,
    maxBytes: body.maxBytes ?? null,
  };
  const headers = await consume("trials", caller.limitKey, 1, "trial");
  const threads = imageThreads();
  const tried = await Promise.all(body.urls.map((url) => threads.tryImage(url.trim(), options)));
  const trialId = randomUUID();
  const expiresAt = trialCache().expiry();
  return {
    result: {
      trialId,
      quality: options.quality,
      options: {
        format: options.format,
        maxWidth: options.maxWidth,
        maxHeight: options.maxHeight,
        maxBytes: options.maxBytes,
      },
      expiresAt: new Date(expiresAt).toISOString(),
      images: tried.map((image, index) =>
        keep(image, { url: body.urls[index].trim(), trialId, index: index + 1, owner: caller.owner, expiresAt }),
      ),
    },
    headers,
  };
}

/** The sides of a tried image, as they are named in its URLs. */
export const TRIAL_SIDES = ["before", "after"] as const;
export type TrialSide = (typeof TRIAL_SIDES)[number];

export function trialFileKey(trialId: string, index: number, side: TrialSide): string {
  return `${trialId}/${index}/${side}`;
}

function trialFileUrl(trialId: string, index: number, side: TrialSide): string {
  return `/api/csv/trial/${trialId}/${index}/${side}`;
}

/** Puts a tried image's files in the cache and answers what it came to. */
function keep(
  image: TriedImage,
  {
    url,
    trialId,
    index,
    owner,
    expiresAt,
  }: { url: string; trialId: string; index: number; owner: string | null; expiresAt: number },
): TrialImage {
  if (!image.ok) {
    return {
      inputUrl: url,
      status: "failed",
      error: image.error,
      bytesIn: null,
      bytesOut: null,
      savedPercent: null,
      format: null,
      width: null,
      height: null,
      optimized: null,
      beforeUrl: null,
      afterUrl: null,
    };
  }
  const cache = trialCache();
  cache.put(trialFileKey(trialId, index, "after"), image.output, { owner, expiresAt });
  if (image.original) cache.put(trialFileKey(trialId, index, "before"), image.original, { owner, expiresAt });
  return {
    inputUrl: url,
    status: "completed",
    error: null,
    bytesIn: image.bytesIn,
    bytesOut: image.bytesOut,
    savedPercent: image.bytesIn > 0 ? Math.round((1 - image.bytesOut / image.bytesIn) * 100) : 0,
    format: image.format,
    width: image.width,
    height: image.height,
    optimized: image.optimized,
    beforeUrl: image.original ? trialFileUrl(trialId, index, "before") : null,
    afterUrl: trialFileUrl(trialId, index, "after"),
  };
}

/** A tried image's file for a caller who may see it; a 404 that says why once it is gone. */
export function trialFile(client: Client | null, key: string) {
  const file = trialCache().get(key);
  // Keys mode: a workspace's trial is its own. Open mode: its unguessable id is enough, as for outputs.
  if (!file || (config.auth.mode === "keys" && file.owner !== client?.owner)) {
    throw new AppError(
      "not_found:trial",
      `This trial image is no longer kept (trials are kept ${Math.round(config.trial.cacheSeconds / 60)} minutes at most); try the images again.`,
    );
  }
  return file;
}
