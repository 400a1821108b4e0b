/**
 * Runs once when the server starts: chooses the job runner, applies migrations and resumes every
 * unfinished image, so a crash or restart loses nothing.
 */
export async function register() {
  // NEXT_RUNTIME is a constant Next.js sets in each bundle, not a setting: testing it here keeps the
  // server's start-up code out of the Edge bundle.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { config } = await import("./lib/config");
  if (config.isBuildPhase) return;
  // Before the first request: per-client limits count the address the connection came from.
  (await import("./lib/auth/client-address")).captureSocketAddresses();
  (await import("./lib/database/provide-database")).provideConfiguredDatabase();
  const { provideJobRunner } = await import("./lib/jobs/job-runner");
  provideJobRunner(async () =>
    config.jobs.runner === "inngest"
      ? (await import("./inngest/runner")).inngestRunner
      : (await import("./lib/jobs/inline-runner")).getInlineRunner(),
  );
  const { startServer } = await import("./lib/start-server");
  await startServer();
}
