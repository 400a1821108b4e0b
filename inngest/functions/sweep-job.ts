import { cron } from "inngest";
import { deleteExpiredRequests, findLostWork } from "@/lib/jobs/sweep";
import { inngest } from "../client";
import { requestAccepted, requestImagesFinished } from "../events";

/**
 * Every hour: deletes requests past RETENTION_DAYS, and sends again the events of work that was lost
 * (a request whose images are all counted but that was never closed; one whose images wait with no
 * run). Each request gets at most one event a sweep, and every event it sends is safe to repeat.
 */
export const sweepJob = inngest.createFunction(
  {
    id: "sweep-requests",
    name: "Sweep: retention and lost work",
    triggers: [cron("0 * * * *")],
    // One sweep at a time: a slow one (a large backlog to delete) is not overtaken by the next.
    concurrency: { limit: 1 },
  },
  async ({ step }) => {
    const sweptAt = await step.run("note the time", () => new Date().toISOString());
    const deleted = await step.run("delete expired requests", () => deleteExpiredRequests(new Date(sweptAt)));
    const lost = await step.run("find lost work", () => findLostWork(new Date(sweptAt)));

    // Event ids make a repeated send of this sweep's events a no-op in Inngest.
    if (lost.toFinish.length > 0) {
      await step.sendEvent(
        "finish unclosed requests",
        lost.toFinish.map((requestId) =>
          requestImagesFinished.create({ requestId }, { id: `sweep-finish-${requestId}-${sweptAt}` }),
        ),
      );
    }
    if (lost.toResume.length > 0) {
      await step.sendEvent(
        "resume stalled requests",
        lost.toResume.map(({ id: requestId }) =>
          requestAccepted.create({ requestId }, { id: `sweep-resume-${requestId}-${sweptAt}` }),
        ),
      );
    }
    return { deleted, finished: lost.toFinish.length, resumed: lost.toResume.length };
  },
);
