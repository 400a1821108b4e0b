import { describe, expect, it, vi } from "vitest";

// A PostgreSQL that is not there: a port on this machine nothing listens on.
vi.hoisted(() => {
  process.env.DATABASE_URL = "postgres://postgres@127.0.0.1:2/none";
});

import { GET as healthRoute } from "@/app/api/health/route";
import { getStatus, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { productCsv } from "@/test/product-csv";

const health = { method: "get", path: "/api/health" } as const;

describe("when the database cannot be reached", () => {
  it("health answers 503 naming the database and the cause, storage and runner still fine", async () => {
    const response = await healthRoute();
    expect(response.status).toBe(503);
    const body = (await expectContract(response, health)) as { error: string; database: { error: string } };
    expect(body).toMatchObject({
      ok: false,
      database: { ok: false, kind: "postgres" },
      storage: { ok: true, kind: "local" },
      runner: { ok: true },
    });
    expect(body.error).toMatch(/^database: PostgreSQL \(DATABASE_URL\) cannot be reached: ECONNREFUSED/);
  });

  it("API calls answer 503 JSON saying so, not a bare 500", async () => {
    const status = await getStatus("00000000-0000-4000-8000-000000000000");
    expect(status.status).toBe(503);
    expect(status.headers.get("content-type")).toBe("application/problem+json");
    expect(await status.json()).toEqual({
      type: "http://127.0.0.1:3999/docs#error-unavailable:database",
      title: "The database is unavailable",
      status: 503,
      detail: "The database is unavailable right now. Please try again in a minute.",
      error: "The database is unavailable right now. Please try again in a minute.",
      code: "unavailable:database",
    });
    const upload = await uploadCsv(productCsv(["Shirt", "https://shop.test/a.jpg"]));
    expect(upload.status).toBe(503);
    await expectContract(upload, { method: "post", path: "/api/csv/upload" });
  });
});
