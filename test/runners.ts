import { cancelRequestRow } from "@/db/request-lifecycle";
import type { JobRunner } from "@/lib/jobs/job-runner";

/**
 * Stand-ins for the job runner where processing is not under test: one that only records the
 * requests it is handed, and one that cannot be reached (an Inngest server that is down).
 */

export function recordingRunner(accepted: string[]): JobRunner {
  return {
    name: "inline",
    start: async () => {},
    stop: async () => {},
    health: () => ({ ok: true }),
    requestAccepted: async (request) => void accepted.push(request.id),
    cancel: (requestId) => cancelRequestRow(requestId),
  };
}

export function unreachableRunner(): JobRunner {
  return {
    name: "inngest",
    start: async () => {},
    stop: async () => {},
    health: () => ({ ok: true }),
    requestAccepted: async () => Promise.reject(new Error("the Inngest server cannot be reached")),
    cancel: async () => Promise.reject(new Error("the Inngest server cannot be reached")),
  };
}
