import "server-only";
import { config } from "@/lib/config";
import type { JobRunner } from "./job-runner";

/** The runner chosen by settings: Inngest when it is configured, the in-process runner otherwise. */
export async function getJobRunner(): Promise<JobRunner> {
  if (config.jobs.runner === "inngest") {
    const { inngestRunner } = await import("@/inngest/runner");
    return inngestRunner;
  }
  const { getInlineRunner } = await import("./inline-runner");
  return getInlineRunner();
}
