#!/usr/bin/env node
// @ts-check
import { randomUUID } from "node:crypto";
import { createWriteStream, readFileSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CliError, EXIT, ServiceClient } from "./cli/api.mjs";
import { readOptions, USAGE, UsageError } from "./cli/args.mjs";
import { count, ProgressReport } from "./cli/progress.mjs";

/**
 * The command line for sellers' scripts: upload a product CSV, watch it process, write the output
 * CSV (and on request the images ZIP and the failures report) beside it. Plain JavaScript on Node's
 * own modules, so it runs from a production install with nothing built.
 */

const version = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;

/**
 * @typedef {import("./cli/progress.mjs").Progress} Progress
 * @typedef {{ requestId: string, statusUrl: string, downloadUrl: string, products: number, images: number, uniqueImages: number, warnings?: string[] }} Accepted
 * @typedef {{ status: string, completedAt: string | null, progress: Progress, error: string | null }} Status
 */

async function main() {
  const options = readOptions(process.argv.slice(2), process.env);
  if ("help" in options) return void console.log(USAGE);
  if ("version" in options) return void console.log(version);

  const csv = await readFile(options.file).catch((/** @type {NodeJS.ErrnoException} */ error) => {
    throw new CliError(
      `Cannot read ${options.file}: ${error.code === "ENOENT" ? "no such file" : error.message}.`,
      EXIT.usage,
    );
  });
  const fileName = path.basename(options.file);
  const stem = fileName.replace(/\.csv$/i, "");
  const outDir = options.outDir ?? path.dirname(options.file);
  const client = new ServiceClient(options.server, options.apiKey, `csv-image-compressor-cli/${version}`);

  const form = new FormData();
  form.set("file", new Blob([csv], { type: "text/csv" }), fileName);
  for (const [name, value] of Object.entries(options.fields)) {
    for (const one of Array.isArray(value) ? value : [value]) form.append(name, one);
  }
  // A retried upload (a dropped connection) then creates no second request.
  const uploaded = await client.call("/api/csv/upload", {
    method: "POST",
    body: form,
    headers: { "idempotency-key": randomUUID() },
  });
  const accepted = /** @type {Accepted} */ (await uploaded.json());
  console.log(
    `Uploaded ${fileName}: ${counted(accepted.products, "product")}, ${imageCount(accepted)}. Request ${accepted.requestId}`,
  );
  // A server of another version may not read every option this command sends: it says which.
  for (const warning of accepted.warnings ?? []) console.error(`Warning: ${warning}`);
  console.log(`Follow it at ${new URL(`/requests/${encodeURIComponent(accepted.requestId)}`, options.server)}`);

  const progress = new ProgressReport(process.stdout);
  process.once("SIGINT", () => {
    progress.end();
    console.log(`Stopped watching; the request goes on at the server (request ${accepted.requestId}).`);
    process.exit(130);
  });
  const status = await watch(client, accepted.statusUrl, options.pollMs, progress);
  progress.end();

  const written = [];
  written.push(await save(client, accepted.downloadUrl, path.join(outDir, `${stem}-output.csv`)));
  const files = `/api/csv/requests/${encodeURIComponent(accepted.requestId)}`;
  if (options.zip) written.push(await save(client, `${files}/images.zip`, path.join(outDir, `${stem}-images.zip`)));
  if (options.failures) {
    written.push(await save(client, `${files}/failures.csv`, path.join(outDir, `${stem}-failures.csv`)));
  }

  const { processedImages, failedImages, totalImages } = status.progress;
  console.log(
    `Finished: ${status.status}. ${count(processedImages)} of ${count(totalImages)} images compressed${failedImages ? `, ${count(failedImages)} failed` : ""}.`,
  );
  if (failedImages > 0 && !options.failures) console.log("Run with --failures to write why each one failed.");
  for (const file of written) console.log(`Wrote ${file}`);
  if (processedImages === 0) {
    throw new CliError(`No image was compressed${status.error ? `: ${status.error}` : "."}`, EXIT.nothingDone);
  }
}

/**
 * "5 images", or "5 image URLs, 3 distinct images" when some are the same: progress counts distinct
 * images, each downloaded once.
 * @param {Accepted} accepted
 */
function imageCount(accepted) {
  const distinct = accepted.uniqueImages ?? accepted.images;
  return distinct === accepted.images
    ? counted(accepted.images, "image")
    : `${counted(accepted.images, "image URL")}, ${counted(distinct, "distinct image")}`;
}

/**
 * @param {number} value
 * @param {string} noun
 */
function counted(value, noun) {
  return `${count(value)} ${noun}${value === 1 ? "" : "s"}`;
}

/**
 * Asks for the request's counters until it is finished. The server may restart meanwhile (an
 * update): a few network failures or 5xx in a row are waited out before giving up.
 * @param {ServiceClient} client
 * @param {string} statusUrl
 * @param {number} pollMs
 * @param {ProgressReport} progress
 * @returns {Promise<Status>}
 */
async function watch(client, statusUrl, pollMs, progress) {
  /** @type {string | null} */
  let etag = null;
  /** @type {Status | null} */
  let status = null;
  let failures = 0;
  for (;;) {
    try {
      const response = await client.call(`${statusUrl}?products=0`, {
        headers: etag ? { "if-none-match": etag } : {},
        accept: [304],
      });
      failures = 0;
      if (response.status === 200) {
        etag = response.headers.get("etag");
        status = /** @type {Status} */ (await response.json());
        progress.update(status.progress);
      }
      // A cancelled request is finished once the images under way when it was cancelled are back.
      if (status?.completedAt) return status;
    } catch (error) {
      if (!(error instanceof CliError) || error.exitCode !== EXIT.server || ++failures > 10) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * Streams a download to `file`, written aside and renamed into place: an interrupted download never
 * leaves a file that looks whole.
 * @param {ServiceClient} client
 * @param {string} url
 * @param {string} file
 */
async function save(client, url, file) {
  const response = await client.call(url);
  if (!response.body) throw new CliError(`The server sent no file for ${url}.`, EXIT.server);
  const partial = `${file}.part`;
  try {
    await pipeline(
      Readable.fromWeb(/** @type {import("node:stream/web").ReadableStream} */ (response.body)),
      createWriteStream(partial),
    );
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw new CliError(
      `Could not write ${file}: ${error instanceof Error ? error.message : String(error)}`,
      EXIT.server,
    );
  }
  return file;
}

main().then(
  () => process.exit(EXIT.ok),
  (error) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exit(EXIT.usage);
    }
    if (error instanceof CliError) {
      console.error(error.message);
      for (const line of error.details) console.error(line);
      process.exit(error.exitCode);
    }
    console.error(error);
    process.exit(EXIT.server);
  },
);
