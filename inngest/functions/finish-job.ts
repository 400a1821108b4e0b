import { NonRetriableError, RetryAfterError } from "inngest";
import { retryPolicy } from "@/lib/jobs/retry-policy";
import { closeWithoutOutputCsv, finishRequest } from "@/lib/jobs/finish-request";
import { attemptWebhook } from "@/lib/webhooks/deliver-webhook";
import { inngest } from "../client";
import { requestImagesFinished } from "../events";
import { retries } from "../retries";
import { logger } from "@/lib/logger";

// Inngest counts retries per step, one count for the function: enough for either step. Each step
// ends at the policy's attempts itself (the webhook's are counted by the domain), as in the
// in-process runner.
const FINISH_RETRIES = Math.max(retryPolicy.finishAttempts, retryPolicy.webhookAttempts);

/**
 * Closes a request once every image is counted: writes the output CSV and the final status, then
 * calls the request's webhook. Both steps are idempotent, so a duplicate event changes nothing.
 * If the output CSV cannot be stored after every retry, the request is closed without it, saying
 * why (the download rebuilds the CSV from the database), and the webhook is told.
 */
export const finishJob = inngest.createFunction(
  {
    id: "finish-request",
    name: "Finish a request",
    triggers: [requestImagesFinished],
    concurrency: { key: "event.data.requestId", limit: 1 },
    retries: retries(FINISH_RETRIES),
    onFailure: async ({ event, error, step }) => {
      const { requestId } = event.data.event.data;
      logger.error({ err: error, requestId }, "finishing the request ran out of retries");
      const closed = await step.run("close request without output CSV", () => closeWithoutOutputCsv(requestId));
      // A new run delivers the webhook with its own retries; if the webhook step was what ran out,
      // the domain has recorded its last attempt and the new run changes nothing.
      if (closed) await step.sendEvent("finish request again", requestImagesFinished.create({ requestId }));
      return { closed };
    },
  },
  async ({ event, step, attempt }) => {
    const { requestId } = event.data;

    const closed = await step.run("write output CSV and close request", async () => {
      try {
        return await finishRequest(requestId);
      } catch (error) {
        // `attempt` counts this step's tries from 0: the last one allowed hands over to onFailure.
        if (attempt + 1 < retryPolicy.finishAttempts) throw error;
        throw new NonRetriableError(`writing the output CSV failed ${retryPolicy.finishAttempts} times`, {
          cause: error,
        });
      }
    });

    // Run even when this call did not close the request: a webhook left pending by an earlier
    // crash is delivered now; an already delivered one is skipped by the domain.
    const webhook = await step.run("deliver webhook", async () => {
      const attempt = await attemptWebhook(requestId);
      if (attempt.kind === "retry")
        throw new RetryAfterError("the webhook was not delivered; retrying", attempt.delayMs);
      return attempt.kind;
    });

    return { requestId, closed, webhook };
  },
);
