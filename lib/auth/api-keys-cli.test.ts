import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `npm run api-keys`: the real script, run as an operator runs it, on its own embedded database
 * folder, and beside a running process that owns that folder.
 */

const root = path.resolve(import.meta.dirname, "../..");
const folder = mkdtempSync(path.join(os.tmpdir(), "api-keys-cli-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const env = {
  ...process.env,
  DATABASE_URL: "",
  PGLITE_DIR: path.join(folder, "pglite"),
  AUTH_MODE: "keys",
  AUTH_SECRET: "a-secret-of-at-least-32-characters-for-tests",
  LOG_LEVEL: "warn",
};

async function apiKeys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = path.join(root, "node_modules/.bin/tsx");
  try {
    const { stdout, stderr } = await promisify(execFile)(
      tsx,
      ["--conditions=react-server", "scripts/api-keys.ts", ...args],
      { cwd: root, env },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("the API key CLI", () => {
  it("creates a key (printed last), lists it by prefix, and revokes it", { timeout: 120_000 }, async () => {
    const created = await apiKeys("create", "acme", "--name", "shop sync");
    expect(created.code).toBe(0);
    const lines = created.stdout.trim().split("\n");
    const key = lines.at(-1)!;
    expect(key).toMatch(/^cic_[A-Za-z0-9]{8}_[A-Za-z0-9]{27}$/);
    const prefix = key.split("_")[1];
    expect(created.stdout).toContain(`Key prefix:     ${prefix}  (shop sync)`);
    expect(created.stdout).toMatch(/Webhook secret: whsec_[A-Za-z0-9+/=]{40,}/);

    const listed = await apiKeys("list");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${prefix}\\s+acme\\s+shop sync\\s+\\S+ \\S+\\s+never\\s+active$`, "m"));
    // Only the hash is stored: the key itself is never shown again.
    expect(listed.stdout).not.toContain(key);

    const revoked = await apiKeys("revoke", prefix);
    expect(revoked).toMatchObject({
      code: 0,
      stdout: `Key ${prefix} is revoked; calls with it are refused from now on.\n`,
    });
    expect((await apiKeys("list", "acme")).stdout).toMatch(new RegExp(`^${prefix}\\s.*revoked$`, "m"));

    const again = await apiKeys("revoke", prefix);
    expect(again).toMatchObject({ code: 1, stderr: `No active key with prefix "${prefix}".\n` });
  });

  it("explains its usage, and refuses a bad workspace name", { timeout: 60_000 }, async () => {
    const usage = await apiKeys();
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("npm run api-keys -- create <workspace> [--name <label>]");
    const badName = await apiKeys("create", "   ");
    expect(badName).toMatchObject({ code: 1, stderr: "The workspace name must not be empty.\n" });
  });

  it(
    "works beside a running server that owns the database folder, through the database it serves",
    { timeout: 120_000 },
    async () => {
      // Stands in for the server: a process that opens the embedded database and keeps it.
      const owner = spawn(
        process.execPath,
        [
          "--conditions=react-server",
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          'const { provideConfiguredDatabase } = await import("./lib/database/provide-database.ts"); const { getDb } = await import("./db/client.ts"); provideConfiguredDatabase(); await getDb(); console.log("ready"); setInterval(() => {}, 1000);',
        ],
        { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] },
      );
      try {
        await new Promise<void>((resolve, reject) => {
          owner.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
          owner.once("exit", (code) => reject(new Error(`the owner exited (${code})`)));
        });
        const created = await apiKeys("create", "beside", "--name", "while running");
        expect(created.code).toBe(0);
        const prefix = created.stdout.trim().split("\n").at(-1)!.split("_")[1];
        expect((await apiKeys("list", "beside")).stdout).toMatch(
          new RegExp(`^${prefix}\\s+beside\\s+while running`, "m"),
        );
      } finally {
        owner.kill("SIGKILL");
      }
    },
  );
});
