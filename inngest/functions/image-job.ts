import { RetryAfterError } from "inngest";
import { cancelLeftoverImages } from "@/db/request-lifecycle";
import { config } from "@/lib/config";
import { retryPolicy } from "@/lib/jobs/retry-policy";
import { attemptImage, failImage } from "@/lib/jobs/process-image";
import { isReadyToFinish } from "@/lib/jobs/finish-request";
import { inngest } from "../client";
import { imageRequested, requestImagesFinished } from "../events";
import { retries } from "../retries";

/**
 * Downloads, compresses and stores one image. The domain decides what a failure means: a permanent
 * one (404, not an image) is recorded as failed at once and the run ends; a transient one throws
 * RetryAfterError from inside the step, so Inngest runs the step again after the delay the domain
 * (or the server's Retry-After) chose. The domain gives up after `IMAGE_MAX_ATTEMPTS`; Inngest has
 * one retry more, and `onFailure` records the image as failed if even that runs out.
 */
export const imageJob = inngest.createFunction(
  {
    // The id names the function's runs in Inngest; it stays as first deployed.
    id: "compress-image",
    name: "Process one image",
    triggers: [imageRequested],
    concurrency: [
      { limit: config.inngest.concurrency },
      // Fair shares, as the in-process runner gives them: one owner (a browser or a workspace, see
      // lib/jobs/work-owner.ts) cannot take every slot, whatever its number of requests. Inngest
      // takes at most two limits, so a per-request one would have to replace the total.
      { key: "event.data.owner", limit: config.inngest.ownerConcurrency },
    ],
    retries: retries(retryPolicy.imageAttempts),
    onFailure: async ({ event, error, step }) => {
      const { imageId } = event.data.event.data;
      const failed = await step.run("record image as failed", () => failImage(imageId, error.message));
      if (failed.kind === "failed" && failed.requestFinished) {
        await step.sendEvent("request images finished", requestImagesFinished.create({ requestId: failed.requestId }));
      }
      return failed;
    },
  },
  async ({ event, step }) => {
    const { imageId } = event.data;

    const outcome = await step.run("compress and store image", async () => {
      const attempt = await attemptImage(imageId, { maxAttempts: retryPolicy.imageAttempts });
      if (attempt.kind === "retry") throw new RetryAfterError(attempt.reason, attempt.delayMs);
      return attempt;
    });

    // Atomic counters make exactly one image of a request its last. A run that finds its image
    // already finished may be the retry of that last one whose result Inngest never recorded, so it
    // checks whether the request still waits for its finisher (finishing twice changes nothing).
    const requestFinished =
      outcome.kind === "skipped"
        ? await step.run("check whether the request awaits its finisher", async () => {
            // A cancelled request's image that waited for a retry is cancelled here: it never starts.
            await cancelLeftoverImages(event.data.requestId, []);
            return isReadyToFinish(event.data.requestId);
          })
        : outcome.requestFinished;
    if (requestFinished) {
      await step.sendEvent(
        "request images finished",
        requestImagesFinished.create({ requestId: event.data.requestId }),
      );
    }
    return outcome;
  },
);
