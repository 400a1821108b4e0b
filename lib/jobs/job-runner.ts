import type { Cancelled } from "@/db/request-lifecycle";
import type { RequestForWork } from "./work-owner";

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
// in here, so `lib` never imports a runner of its own. On globalThis: Next.js bundles route handlers
// and instrumentation separately, and they must share one runner.
const slot = globalThis as typeof globalThis & {
  __csvImageJobRunnerLoader?: RunnerLoader;
  __csvImageJobRunner?: Promise<JobRunner>;
};

export function provideJobRunner(load: RunnerLoader) {
  slot.__csvImageJobRunnerLoader = load;
  slot.__csvImageJobRunner = undefined;
}

export function getJobRunner(): Promise<JobRunner> {
  if (!slot.__csvImageJobRunnerLoader)
    return Promise.reject(new Error("No job runner was provided at start-up (see instrumentation.ts)."));
  slot.__csvImageJobRunner ??= slot.__csvImageJobRunnerLoader();
  return slot.__csvImageJobRunner;
}
