import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { type ImageServer, serveBytes, startImageServer } from "../test/image-server";
import { productCsv } from "../test/product-csv";
import { readCsv } from "../test/read-csv";
import { readZip } from "../test/read-zip";
import { cutoutPng, photoJpeg } from "../test/sample-images";
import { appServerProcessEnv } from "./support/app-server";
import { APP_URL, freePort } from "./support/ports";
import { type ServerProcess, startServerProcess, waitForHealth } from "./support/server-process";

/**
 * The command line against the production server, as a seller's script runs it: a child process
 * whose output is a pipe (so progress comes as plain lines), its exit code and the files it writes.
 */

const CLI = path.resolve("bin/csv-image-compressor.mjs");
let images: ImageServer;
let folder: string;

type Run = { code: number; stdout: string; stderr: string };

/** Runs the CLI with only the environment a user's shell would give it (no CIC_* settings). */
function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(clean)) if (name.startsWith("CIC_")) delete clean[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...clean, ...env }, timeout: 90_000, encoding: "utf8" },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function writeCsv(name: string, csv: string): string {
  const file = path.join(folder, name);
  writeFileSync(file, csv);
  return file;
}

test.beforeAll(async () => {
  images = await startImageServer();
  images.route("/cli/a.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
  images.route("/cli/b.png", serveBytes(await cutoutPng(), "image/png"));
  folder = mkdtempSync(path.join(os.tmpdir(), "cli-spec-"));
});

test.afterAll(async () => {
  await images.close();
  rmSync(folder, { recursive: true, force: true });
});

test("uploads, shows progress and writes the output CSV, the images ZIP and the failures report", async () => {
  const file = writeCsv(
    "shop.csv",
    productCsv(
      ["Blue Shirt", images.url("/cli/a.jpg"), images.url("/cli/missing.jpg")],
      ["Socks", images.url("/cli/b.png")],
    ),
  );
  const run = await runCli([file, "--server", APP_URL, "--zip", "--failures", "--poll", "0.2"]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain("Uploaded shop.csv: 2 products, 3 images.");
  // Not a terminal: plain lines, the last at 100%, no bar redrawn in place.
  expect(run.stdout).toMatch(/^Processing: 100% \(3\/3 images, 1 failed\)$/m);
  expect(run.stdout).not.toContain("\r");
  expect(run.stdout).toContain("Finished: completed. 2 of 3 images compressed, 1 failed.");
  expect(readdirSync(folder).sort()).toEqual(["shop-failures.csv", "shop-images.zip", "shop-output.csv", "shop.csv"]);

  const output = readCsv(readFileSync(path.join(folder, "shop-output.csv"), "utf8"));
  expect(output[0]).toEqual(["S. No.", "Product Name", "Input Image Urls", "Output Image Urls"]);
  const [shirtOutputs, socksOutputs] = output.slice(1).map((row) => row[3].split(", "));
  expect(shirtOutputs[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/images\/.+\.jpg$/);
  expect(shirtOutputs[1]).toBe("");

  const zip = await readZip(readFileSync(path.join(folder, "shop-images.zip")));
  expect([...zip.keys()]).toEqual(["2-blue-shirt-1.jpg", "3-socks-1.png"]);
  const served = Buffer.from(await (await fetch(socksOutputs[0])).arrayBuffer());
  expect(zip.get("3-socks-1.png")!.equals(served)).toBe(true);

  const failures = readCsv(readFileSync(path.join(folder, "shop-failures.csv"), "utf8"));
  expect(failures.slice(1).map((row) => row.slice(0, 4))).toEqual([
    ["2", "1", "Blue Shirt", images.url("/cli/missing.jpg")],
  ]);
});

test("a refused file prints every problem with its row and exits 2, writing nothing", async () => {
  const file = writeCsv(
    "refused.csv",
    productCsv(["Shirt", "ftp://example.invalid/a.jpg"], ["", images.url("/cli/a.jpg")]),
  );
  const run = await runCli([file, "--server", APP_URL]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^The file was refused: /);
  expect(run.stderr).toMatch(/^ {2}row 2, Input Image Urls: .+/m);
  expect(run.stderr).toMatch(/^ {2}row 3, Product Name: .+/m);
  expect(readdirSync(folder)).not.toContain("refused-output.csv");
});

test("a bad form field is named, and an unreachable server is said plainly", async () => {
  const file = writeCsv("fields.csv", productCsv(["Shirt", images.url("/cli/a.jpg")]));
  const badQuality = await runCli([file, "--server", APP_URL, "--quality", "500"]);
  // The option is wrong, not the file: a usage error.
  expect(badQuality.code).toBe(1);
  expect(badQuality.stderr).toMatch(/^An option was refused: quality must be a whole number from 1 to 100/m);

  const nobody = `http://127.0.0.1:${await freePort()}`;
  const down = await runCli([file], { CIC_SERVER_URL: nobody });
  expect(down.code).toBe(4);
  expect(down.stderr).toContain(`Cannot reach the server at ${nobody} (connection refused).`);
});

test("a CSV in no known layout is read with its columns named on the command line", async () => {
  const file = writeCsv(
    "catalogue.csv",
    ["sku,title,front,back", `T-1,Blue Shirt,${images.url("/cli/a.jpg")},${images.url("/cli/b.png")}`, ""].join("\n"),
  );
  const run = await runCli([
    file,
    "--server",
    APP_URL,
    "--name-column",
    "title",
    "--image-column",
    "front",
    "--image-column",
    "back",
    "--id-column",
    "sku",
    "--max-bytes",
    "200000",
    "--poll",
    "0.2",
  ]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain("Uploaded catalogue.csv: 1 product, 2 images.");
  expect(run.stdout).toContain("Finished: completed. 2 of 2 images compressed.");
  const [header, row] = readCsv(readFileSync(path.join(folder, "catalogue-output.csv"), "utf8"));
  expect(header).toEqual(["sku", "title", "front", "back"]);
  expect(row.slice(0, 2)).toEqual(["T-1", "Blue Shirt"]);
  expect(row[2]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/images\/.+\.jpg$/);
  expect(row[3]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/images\/.+\.png$/);
});

test.describe("against a server in keys mode", () => {
  const DATA = path.resolve(".data/e2e-cli-keys");
  const KEYS_MODE = { AUTH_MODE: "keys", AUTH_SECRET: "e2e-cli-keys-mode-secret-of-at-least-32-characters" };
  let server: ServerProcess | null = null;
  let key = "";

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    rmSync(DATA, { recursive: true, force: true });
    const port = await freePort();
    // The embedded database has one owner at a time: the key is made before the server starts.
    key = await new Promise<string>((resolve, reject) =>
      execFile(
        "npm",
        ["run", "-s", "api-keys", "--", "create", "cli-shop"],
        { env: { ...appServerProcessEnv({ dataDir: DATA, port }), ...KEYS_MODE } },
        (error, stdout) => (error ? reject(error) : resolve(stdout.trim().split("\n").at(-1)!)),
      ),
    );
    server = startServerProcess({ dataDir: DATA, port, env: KEYS_MODE });
    await waitForHealth(server.origin);
  });

  test.afterAll(async () => {
    server?.signal("SIGTERM");
    await server?.exited;
  });

  test("works with the key, and says clearly when the key is wrong or missing", async () => {
    const file = writeCsv("keyed.csv", productCsv(["Shirt", images.url("/cli/a.jpg")]));
    const ok = await runCli([file, "--server", server!.origin, "--poll", "0.2"], { CIC_API_KEY: key });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readdirSync(folder)).toContain("keyed-output.csv");

    const wrong = await runCli([file, "--server", server!.origin, "--api-key", `${key.slice(0, -4)}AAAA`]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/^The server refused the API key: The API key is not valid\. Check --api-key/);

    const none = await runCli([file, "--server", server!.origin]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain("This server needs an API key (it runs with AUTH_MODE=keys)");
  });
});
