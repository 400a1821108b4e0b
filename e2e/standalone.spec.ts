import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { type ImageServer, serveBytes, startImageServer } from "../test/image-server";
import { photoJpeg } from "../test/sample-images";
import { appServerProcessEnv } from "./support/app-server";
import { freePort } from "./support/ports";
import {
  expectCompletedOnce,
  type ServerProcess,
  startServerProcess,
  uploadUrls,
  waitForHealth,
} from "./support/server-process";

/**
 * What the Docker image runs, laid out as its Dockerfile lays it out: the standalone server of
 * `next build` (only the node_modules it traced), which applies the migrations it ships on a new
 * database, compresses images with sharp on its image threads, and the command-line tools compiled
 * to dist/cli/ that run beside it with Node alone.
 */

const run = promisify(execFile);
const STANDALONE = path.resolve(".next/standalone");

let scratch: string;
let images: ImageServer;
let server: ServerProcess | null = null;

// A first start makes a database and compiles nothing, but a busy machine may take a while.
test.setTimeout(240_000);

test.beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "csv-standalone-"));
  images = await startImageServer();
  images.route("/photo.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
});

test.afterAll(async () => {
  server?.signal("SIGKILL");
  await server?.exited;
  await images?.close();
  rmSync(scratch, { recursive: true, force: true });
});

test("the standalone server starts on a new database, applies its migrations and compresses images", async () => {
  const port = await freePort();
  server = startServerProcess({ dataDir: path.join(scratch, "server"), port, standalone: true });
  await waitForHealth(server.origin, 180_000).catch((error) => {
    throw new Error(`${(error as Error).message}\nServer output:\n${server!.output()}`);
  });
  expect((await fetch(`${server.origin}/api/live`)).status).toBe(200);
  // Tables exist: the migrations shipped beside server.js were applied.
  const list = await fetch(`${server.origin}/api/csv/requests`);
  expect(list.status).toBe(200);
  expect(await list.json()).toMatchObject({ requests: [] });

  const { requestId } = await uploadUrls(server.origin, [`${images.origin}/photo.jpg`]);
  await expectCompletedOnce(server.origin, requestId, 1);
});

test("the command-line tools run with Node alone beside the standalone server", async () => {
  // As in the image: dist/cli beside the standalone server's node_modules, nothing else installed.
  const app = path.join(scratch, "app");
  cpSync("dist/cli", path.join(app, "dist/cli"), { recursive: true });
  symlinkSync(path.join(STANDALONE, "node_modules"), path.join(app, "node_modules"), "dir");
  const env = { ...appServerProcessEnv({ dataDir: path.join(scratch, "cli") }), NODE_ENV: "production" as const };
  const tool = (name: string, ...args: string[]) =>
    run(process.execPath, [path.join(app, "dist/cli", `${name}.mjs`), ...args], { cwd: STANDALONE, env });

  expect((await tool("migrate")).stdout).toContain("Migrations applied to PGlite");
  const created = await tool("api-keys", "create", "shop");
  expect(created.stdout).toMatch(/^cic_\w+_\w+$/m);
  expect((await tool("api-keys", "list")).stdout).toMatch(/shop\s.*active/);
});
