import { afterEach, describe, expect, it, vi } from "vitest";

/**
 * The serve endpoint, called in-process the way Next.js calls it. Settings are read at import, so
 * each case stubs them and imports the route afresh. In dev mode nothing is sent anywhere: GET
 * answers from memory, and PUT is asked for an in-band sync, which answers with the registration
 * instead of posting it to a server.
 */

const ORIGIN = "http://127.0.0.1:3999";

async function loadRoute(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const name of ["INNGEST_DEV", "INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY", "INNGEST_BASE_URL"])
    vi.stubEnv(name, env[name]);
  const fetch = vi
    .spyOn(globalThis, "fetch")
    .mockRejectedValue(new Error("the serve endpoint must not call out in tests"));
  const route = await import("./route");
  return { route, fetch };
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("/api/inngest with INNGEST_DEV=1", () => {
  it("introspects as a dev-mode app with its six functions (four, two with failure handlers)", async () => {
    const { route, fetch } = await loadRoute({ INNGEST_DEV: "1", INNGEST_BASE_URL: "http://127.0.0.1:9" });
    const response = await route.GET(new Request(`${ORIGIN}/api/inngest`) as never, undefined);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      mode: "dev",
      function_count: 6,
      has_event_key: false,
      has_signing_key: false,
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("registers every function with its trigger, concurrency and retries", async () => {
    const { route, fetch } = await loadRoute({ INNGEST_DEV: "1", INNGEST_BASE_URL: "http://127.0.0.1:9" });
    const response = await route.PUT(
      new Request(`${ORIGIN}/api/inngest`, {
        method: "PUT",
        headers: { "content-type": "application/json", "x-inngest-sync-kind": "in_band" },
        body: JSON.stringify({ url: `${ORIGIN}/api/inngest` }),
      }) as never,
      undefined,
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ app_id: "csv-image-compressor", url: `${ORIGIN}/api/inngest` });

    type Registered = {
      id: string;
      triggers: { event?: string; cron?: string; expression?: string }[];
      concurrency?: unknown;
      steps: { step: { retries?: { attempts: number } } };
    };
    const functions = new Map((body.functions as Registered[]).map((fn) => [fn.id, fn]));
    expect([...functions.keys()].sort()).toEqual([
      "csv-image-compressor-compress-image",
      "csv-image-compressor-compress-image-failure",
      "csv-image-compressor-fan-out-images",
      "csv-image-compressor-finish-request",
      "csv-image-compressor-finish-request-failure",
      "csv-image-compressor-sweep-requests",
    ]);

    const fanOut = functions.get("csv-image-compressor-fan-out-images")!;
    expect(fanOut.triggers.map((trigger) => trigger.event)).toEqual([
      "csv/request.accepted",
      "csv/request.fan-out-continued",
    ]);
    expect(fanOut.concurrency).toEqual({ key: "event.data.requestId", limit: 1 });

    const compress = functions.get("csv-image-compressor-compress-image")!;
    expect(compress.triggers.map((trigger) => trigger.event)).toEqual(["csv/image.requested"]);
    // INNGEST_CONCURRENCY and INNGEST_OWNER_CONCURRENCY defaults; IMAGE_MAX_ATTEMPTS is 3 in tests.
    expect(compress.concurrency).toEqual([{ limit: 20 }, { key: "event.data.owner", limit: 5 }]);
    expect(compress.steps.step.retries).toEqual({ attempts: 3 });

    const finish = functions.get("csv-image-compressor-finish-request")!;
    expect(finish.triggers.map((trigger) => trigger.event)).toEqual(["csv/request.images-finished"]);
    expect(finish.concurrency).toEqual({ key: "event.data.requestId", limit: 1 });
    expect(finish.steps.step.retries).toEqual({ attempts: 5 });

    const sweep = functions.get("csv-image-compressor-sweep-requests")!;
    expect(sweep.triggers).toEqual([{ cron: "0 * * * *" }]);
    expect(sweep.concurrency).toEqual({ limit: 1 });

    const compressFailure = functions.get("csv-image-compressor-compress-image-failure")!;
    expect(compressFailure.triggers).toEqual([
      {
        event: "inngest/function.failed",
        expression: "event.data.function_id == 'csv-image-compressor-compress-image'",
      },
    ]);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("/api/inngest without Inngest settings", () => {
  it("answers every method with 503 and says what to set", async () => {
    const { route, fetch } = await loadRoute({});
    for (const handler of [route.GET, route.POST, route.PUT]) {
      const response = await handler(new Request(`${ORIGIN}/api/inngest`) as never, undefined);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        error: expect.stringMatching(/INNGEST_DEV=1.*INNGEST_EVENT_KEY and INNGEST_SIGNING_KEY/),
      });
    }
    expect(fetch).not.toHaveBeenCalled();
  });
});
