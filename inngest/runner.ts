import "server-only";
import { cancelRequestRow } from "@/db/request-lifecycle";
import type { JobRunner } from "@/lib/jobs/job-runner";
import { inngest } from "./client";
import { requestAccepted, requestImagesFinished } from "./events";

/** The Inngest runner: one event per accepted request; the functions in `inngest/functions` do the rest. */
export const inngestRunner: JobRunner = {
  name: "inngest",
  // Inngest keeps its own queue: nothing to resume in this process.
  async start() {},
  // Steps under way when the process stops are run again by Inngest: nothing to hand back here.
  async stop() {},
  // Inngest's own server runs the work; its reachability shows when an upload sends an event.
  health: () => ({ ok: true }),
  // The fan-out looks up whose request it is, for the images' per-owner concurrency.
  async requestAccepted(request) {
    await inngest.send(requestAccepted.create({ requestId: request.id }));
  },
  // Runs of its images find it cancelled when they claim their image and end there; the last image
  // under way closes it, or this does when none is.
  async cancel(requestId) {
    const result = await cancelRequestRow(requestId);
    if (result?.requestFinished) await inngest.send(requestImagesFinished.create({ requestId }));
    return result;
  },
};
