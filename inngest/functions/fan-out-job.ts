import { listUnfinishedImageIds } from "@/db/images";
import { findRequest } from "@/db/requests";
import { workOwner } from "@/lib/jobs/work-owner";
import { inngest } from "../client";
import { fanOutContinued, imageRequested, requestAccepted, requestImagesFinished } from "../events";

// One send carries at most 500 events of about 100 bytes: far below Inngest's 5,000 events and
// 256 KiB (free plan) per request.
const EVENTS_PER_SEND = 500;
// One run names at most 10,000 images (a 2 + 20 step run, a ~70 KB step result); a larger request
// goes on in a new run, so neither the 1,000-step limit nor the 4 MB step result limit is reached.
const IMAGES_PER_RUN = 10_000;

/**
 * Turns an accepted request into one event per unfinished image. Sending the events is a step, so
 * a retried run never sends a batch twice; an image sent twice anyway is counted once.
 */
export const fanOutJob = inngest.createFunction(
  {
    id: "fan-out-images",
    name: "Fan out a request's images",
    triggers: [requestAccepted, fanOutContinued],
    concurrency: { key: "event.data.requestId", limit: 1 },
  },
  async ({ event, step }) => {
    const { requestId } = event.data;
    const afterImageId = "afterImageId" in event.data ? event.data.afterImageId : 0;

    const page = await step.run("list unfinished images", async () => {
      const [request, imageIds] = await Promise.all([
        findRequest(requestId),
        listUnfinishedImageIds({ requestId, afterImageId, limit: IMAGES_PER_RUN + 1 }),
      ]);
      return {
        owner: request ? workOwner(request) : undefined,
        imageIds: imageIds.slice(0, IMAGES_PER_RUN),
        more: imageIds.length > IMAGES_PER_RUN,
      };
    });

    for (let start = 0; start < page.imageIds.length; start += EVENTS_PER_SEND) {
      const batch = page.imageIds.slice(start, start + EVENTS_PER_SEND);
      await step.sendEvent(
        `request images ${start + 1}-${start + batch.length}`,
        batch.map((imageId) => imageRequested.create({ requestId, imageId, owner: page.owner })),
      );
    }

    if (page.more) {
      await step.sendEvent(
        "continue fan-out",
        fanOutContinued.create({ requestId, afterImageId: page.imageIds[page.imageIds.length - 1] }),
      );
    } else if (afterImageId === 0 && page.imageIds.length === 0) {
      // Nothing left to do (an accepted event sent again to recover a request): let the finisher
      // close the request and call its webhook if that never happened; it changes nothing otherwise.
      await step.sendEvent("finish request", requestImagesFinished.create({ requestId }));
    }

    return { requestId, images: page.imageIds.length, continued: page.more };
  },
);
