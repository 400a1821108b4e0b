import { provideConfiguredDatabase } from "@/lib/database/provide-database";
import { provideJobRunner } from "@/lib/jobs/job-runner";

// As instrumentation.ts does at start-up. Settings are read on first use, so a test file may set
// its environment (vi.hoisted) before the database and the runner are chosen.
provideConfiguredDatabase();
provideJobRunner(async () => {
  const { config } = await import("@/lib/config");
  return config.jobs.runner === "inngest"
    ? (await import("@/inngest/runner")).inngestRunner
    : (await import("@/lib/jobs/inline-runner")).getInlineRunner();
});
