import { describe, expect, it, vi } from "vitest";

// A PostgreSQL that is not there: a port on this machine nothing listens on.
vi.hoisted(() => {
  process.env.DATABASE_URL = "postgres://postgres@127.0.0.1:2/none";
});

import { GET as healthRoute } from "@/app/api/health/route";
import { GET as liveRoute, POST as livePost } from "@/app/api/live/route";
import { expectContract } from "@/test/contract";

describe("liveness", () => {
  it("answers 200 while the database is down, when readiness answers 503", async () => {
    const live = liveRoute();
    expect(live.status).toBe(200);
    expect(live.headers.get("cache-control")).toBe("no-store");
    expect(await expectContract(live, { method: "get", path: "/api/live" })).toEqual({ ok: true });

    const ready = await healthRoute();
    expect(ready.status).toBe(503);
  });

  it("answers only GET", async () => {
    const response = livePost();
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });
});
