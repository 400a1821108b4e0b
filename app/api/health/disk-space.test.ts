import { rmSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";

// No disk is filled: MIN_FREE_DISK_BYTES is set above what the disks under the storage folder and a
// real embedded database folder have free, read the way `df` reads it.
const { folder } = await vi.hoisted(async () => {
  const { mkdirSync, mkdtempSync, statfsSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const folder = mkdtempSync(join(tmpdir(), "health-disk-space-"));
  const storageDir = process.env.STORAGE_DIR!;
  mkdirSync(storageDir, { recursive: true });
  const free = (dir: string) => {
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize;
  };
  process.env.DATABASE_URL = "";
  process.env.PGLITE_DIR = join(folder, "pglite");
  // A terabyte more than either has: what other processes write meanwhile cannot close the gap.
  process.env.MIN_FREE_DISK_BYTES = String(Math.max(free(folder), free(storageDir)) + 1024 ** 4);
  return { folder };
});

import { GET as healthRoute } from "@/app/api/health/route";
import { closeDb } from "@/db/client";
import { expectContract } from "@/test/contract";
import { replaceProcessSingleton } from "@/lib/process-singleton";

const health = { method: "get", path: "/api/health" } as const;

afterAll(async () => {
  await closeDb();
  rmSync(folder, { recursive: true, force: true });
});

describe("free disk space", { timeout: 120_000 }, () => {
  it("below MIN_FREE_DISK_BYTES, health answers 503 naming the storage folder, the database folder and the setting", async () => {
    const response = await healthRoute();
    expect(response.status).toBe(503);
    const body = (await expectContract(response, health)) as {
      error: string;
      database: { error: string };
      storage: { error: string };
    };
    expect(body).toMatchObject({
      ok: false,
      database: { ok: false, kind: "pglite" },
      storage: { ok: false, kind: "local" },
      runner: { ok: true },
    });
    const tooLittle = (folderName: string) =>
      new RegExp(
        `^only \\d+(\\.\\d)? [KMGT]?B free on the disk of ${folderName}; at least \\d+(\\.\\d)? TB is needed \\(MIN_FREE_DISK_BYTES\\)$`,
      );
    expect(body.storage.error).toMatch(tooLittle("the storage folder \\(STORAGE_DIR\\)"));
    expect(body.database.error).toMatch(tooLittle("the embedded database folder \\(PGLITE_DIR\\)"));
    expect(body.error).toBe(`database: ${body.database.error}; storage: ${body.storage.error}`);
  });

  it("with room to spare, the same disks are healthy; by default a gigabyte is asked for", async () => {
    // Settings are read at import: a fresh import with a threshold below what is free, and a fresh storage object.
    vi.resetModules();
    process.env.MIN_FREE_DISK_BYTES = "1";
    replaceProcessSingleton("storage", undefined);
    const { loadConfig } = await import("@/lib/config");
    expect(loadConfig({}).health.minFreeDiskBytes).toBe(1024 ** 3);
    const fresh = await import("@/app/api/health/route");

    const response = await fresh.GET();
    expect(response.status).toBe(200);
    expect(await expectContract(response, health)).toMatchObject({
      ok: true,
      database: { ok: true, kind: "pglite" },
      storage: { ok: true, kind: "local" },
    });
  });
});
