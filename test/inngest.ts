import { InngestTestEngine, mockCtx } from "@inngest/test";
import type { Context, Inngest, InngestFunction } from "inngest";
import { vi } from "vitest";

/**
 * Test helpers for Inngest functions. `@inngest/test` runs `step.run` for real; here every
 * `step.sendEvent` is captured instead of sent, so a test never talks to an Inngest server.
 */

export type SentEvent = { name: string; data: Record<string, unknown> };

export type FunctionRun = {
  result: unknown;
  /** The serialized error when the run (or a step) failed: `{ name, message, … }`. */
  error: { name?: string; message?: string } | undefined;
  /** Every event sent with `step.sendEvent`, in order. */
  sent: SentEvent[];
  /** The same events grouped by the id of the step that sent them. */
  sends: Map<string, SentEvent[]>;
};

type TestedFunction = InngestFunction.Any;

/**
 * Runs a function for one event until it resolves or a step fails (retries are not modelled: a run
 * with `attempt` is the one Inngest makes after that many failures of the step that runs).
 */
export async function runFunction(
  fn: TestedFunction,
  event: { name: string; data: object },
  { attempt = 0 }: { attempt?: number } = {},
): Promise<FunctionRun> {
  return execute(fn, event, attempt);
}

/**
 * Runs a function's `onFailure` handler as Inngest does once the function has run out of retries:
 * triggered by `inngest/function.failed` carrying the original event and the last error.
 */
export async function runFailureHandler(
  fn: TestedFunction,
  event: { name: string; data: object },
  error: Error,
): Promise<FunctionRun> {
  // @inngest/test always runs the main handler; the execution engine picks the failure handler
  // from `handlerKind`, so a view of the function that asks for it is enough.
  type CreateExecution = (opts: { partialOptions: object }) => unknown;
  const createExecution = (fn as unknown as { createExecution: CreateExecution }).createExecution.bind(fn);
  const failureView = Object.create(fn, {
    createExecution: {
      value: ((opts) =>
        createExecution({
          partialOptions: { ...opts.partialOptions, handlerKind: "failure" },
        })) satisfies CreateExecution,
    },
  }) as TestedFunction;
  return execute(failureView, {
    name: "inngest/function.failed",
    data: {
      function_id: `csv-image-compressor-${fn.id()}`,
      run_id: "01TESTRUN",
      error: { name: error.name, message: error.message, stack: error.stack ?? "" },
      event: { ...event, id: "01TESTEVENT", ts: Date.now() },
    },
  });
}

async function execute(fn: TestedFunction, event: { name: string; data: object }, attempt = 0): Promise<FunctionRun> {
  const sends = new Map<string, SentEvent[]>();
  const engine = new InngestTestEngine({
    function: fn,
    events: [event as never],
    transformCtx: (raw) => {
      const ctx = mockCtx(raw) as Context.Any;
      ctx.attempt = attempt;
      // Keyed by step id: the engine replays the handler once per step, and a replayed send is one send.
      ctx.step.sendEvent = (async (idOrOptions: string | { id: string }, payload: SentEvent | SentEvent[]) => {
        const id = typeof idOrOptions === "string" ? idOrOptions : idOrOptions.id;
        const events = (Array.isArray(payload) ? payload : [payload]).map(({ name, data }) => ({ name, data }));
        sends.set(id, events);
        return { ids: events.map((_, index) => `${id}-${index}`) };
      }) as never;
      return ctx;
    },
  });
  const output = (await engine.execute()) as { result?: unknown; error?: FunctionRun["error"] };
  return { result: output.result, error: output.error, sent: [...sends.values()].flat(), sends };
}

/**
 * Replaces `client.send` (what the Inngest runner calls) with a recorder, and makes any other
 * `fetch` fail loudly: the Inngest SDK talks to its server through `fetch`, so nothing reaches one.
 */
export function interceptInngest(client: Inngest.Any) {
  const sent: SentEvent[] = [];
  const send = vi.spyOn(client, "send").mockImplementation(async (payload) => {
    for (const { name, data } of Array.isArray(payload) ? payload : [payload]) sent.push({ name, data: data ?? {} });
    return { ids: sent.map((_, index) => `sent-${index}`) } as never;
  });
  const fetch = vi.spyOn(globalThis, "fetch").mockRejectedValue(new Error("tests never send HTTP requests with fetch"));
  return { sent, send, fetch };
}
