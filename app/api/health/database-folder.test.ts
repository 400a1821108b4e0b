import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

// The embedded database in a folder that cannot be made: its parent is a regular file, which stops
// root as surely as anyone (tests run as root, whom permission bits do not stop).
const { folder, pgliteDir } = await vi.hoisted(async () => {
  const { mkdirSync, mkdtempSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const folder = mkdtempSync(join(tmpdir(), "health-database-folder-"));
  writeFileSync(join(folder, "a-file"), "not a folder");
  // As start-up leaves it: storage is fine here, only the database is not.
  mkdirSync(process.env.STORAGE_DIR!, { recursive: true });
  process.env.DATABASE_URL = "";
  process.env.PGLITE_DIR = join(folder, "a-file", "data", "pglite");
  return { folder, pgliteDir: process.env.PGLITE_DIR };
});

import { GET as healthRoute } from "@/app/api/health/route";
import { logger } from "@/lib/logger";
import { getStatus } from "@/test/api";
import { expectContract } from "@/test/contract";

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("when the embedded database folder cannot be opened", () => {
  it("health names PGLITE_DIR and the cause, shows no path, and the server log keeps the path", async () => {
    const warn = vi.spyOn(logger, "warn");
    const response = await healthRoute();
    expect(response.status).toBe(503);
    const text = await response.clone().text();
    const body = (await expectContract(response, { method: "get", path: "/api/health" })) as { error: string };
    expect(body).toMatchObject({
      ok: false,
      database: { ok: false, kind: "pglite" },
      storage: { ok: true, kind: "local" },
      runner: { ok: true },
    });
    expect(body.error).toBe(
      "database: The embedded database folder (PGLITE_DIR) cannot be opened: ENOTDIR (not a directory)",
    );
    expect(text).not.toContain("/");

    const [fields, message] = warn.mock.calls.find(([, line]) => line === "health check failed")! as [
      { err: Error & { dir: string }; part: string },
      string,
    ];
    expect(message).toBe("health check failed");
    expect(fields.part).toBe("pglite");
    expect(fields.err.dir).toBe(pgliteDir);
    expect((fields.err.cause as Error).message).toContain(folder);
  });

  it("API calls answer 503 saying the database is unavailable", async () => {
    const status = await getStatus("00000000-0000-4000-8000-000000000000");
    expect(status.status).toBe(503);
    expect(await status.json()).toMatchObject({ code: "unavailable:database" });
  });

  it("PGLITE_DIR naming a file: the child that creates the folder fails, and health shows none of its output", async () => {
    // Settings are read at import; a database that failed to open is not kept, so the next ask opens anew.
    vi.resetModules();
    process.env.PGLITE_DIR = path.join(folder, "a-file");
    const fresh = await import("@/app/api/health/route");

    const response = await fresh.GET();
    expect(response.status).toBe(503);
    const text = await response.clone().text();
    const body = (await expectContract(response, { method: "get", path: "/api/health" })) as { error: string };
    expect(body.error).toBe(
      "database: The embedded database folder (PGLITE_DIR) cannot be opened: creating the database folder failed (exit 1)",
    );
    expect(text).not.toContain("/");
  });
});
