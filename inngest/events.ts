import { eventType } from "inngest";
import { z } from "zod";

/**
 * Every event of the service, declared once and shared by senders and functions.
 * Inngest validates event data against these schemas before a function runs.
 */

const requestId = z.string().min(1);
const imageId = z.number().int().positive();

/** A request was stored with its products and images; its images are to be fanned out. */
export const requestAccepted = eventType("csv/request.accepted", {
  schema: z.object({ requestId }),
});

/** A large request's fan-out goes on in a new run, after the last image the previous run named. */
export const fanOutContinued = eventType("csv/request.fan-out-continued", {
  schema: z.object({ requestId, afterImageId: z.number().int().nonnegative() }),
});

/**
 * One image to download, compress and store. `owner` (see lib/jobs/work-owner.ts) keys the images'
 * per-owner concurrency; events sent before it existed have none and share one key.
 */
export const imageRequested = eventType("csv/image.requested", {
  schema: z.object({ requestId, imageId, owner: z.string().optional() }),
});

/** Every image of a request is counted: write the output CSV, close the request, call its webhook. */
export const requestImagesFinished = eventType("csv/request.images-finished", {
  schema: z.object({ requestId }),
});
