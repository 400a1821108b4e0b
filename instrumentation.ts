/**
 * Runs once when the server starts: applies migrations and, with the in-process runner, resumes
 * every unfinished image, so a crash or restart loses nothing.
 */
export async function register() {
  const { config } = await import("./lib/config");
  if (!config.isNodeRuntime || config.isBuildPhase) return;
  const { startServer } = await import("./lib/start-server");
  await startServer();
}
