import type { Cancelled } from "@/db/request-lifecycle";
import type { RequestForWork } from "./work-owner";
import { processSingleton } from "@/lib/process-singleton";

/** What the rest of the service needs from a runner; it never knows which runner does the work. */
export interface JobRunner {
  readonly name: "inline" | "inngest";
  /** Start-up: picks up whatever the last process left unfinished. */
  start(): Promise<void>;
  /**
   * Starts work on a request that was just stored, or whose failed images were put back in line.
   * Its owner's requests share one turn of the workers with every other owner (`work-owner.ts`).
   */
  requestAccepted(request: RequestForWork): Promise<void>;
  /**
   * Cancels a processing request: none of its images starts any more; those under way may finish.
   * Closes it at once when nothing is under way. Null when the request is not processing.
   */
  cancel(requestId: string): Promise<Cancelled | null>;
  /** Whether it takes work now; `error` says why not (shutting down, not started). */
  health(): { ok: boolean; error?: string };
  /** Shutdown: stops taking work and finishes or puts back what is under way within `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

type RunnerLoader = () => Promise<JobRunner>;

// The runner is chosen where the app starts (instrumentation.ts; test/setup.ts in tests) and handed
// in here, so `lib` never imports a runner of its own; route handlers and instrumentation share it.
const choice = () =>
  processSingleton("job runner", () => ({
    load: undefined as RunnerLoader | undefined,
    runner: undefined as Promise<JobRunner> | undefined,
  }));

export function provideJobRunner(load: RunnerLoader) {
  Object.assign(choice(), { load, runner: undefined });
}

export function getJobRunner(): Promise<JobRunner> {
  const chosen = choice();
  if (!chosen.load)
    return Promise.reject(new Error("No job runner was provided at start-up (see instrumentation.ts)."));
  chosen.runner ??= chosen.load();
  return chosen.runner;
}
