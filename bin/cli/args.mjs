// @ts-check
import { parseArgs } from "node:util";

/** What a run was asked to do, read from the command line and the environment. */
/**
 * @typedef {object} Options
 * @property {string} file the CSV to upload
 * @property {URL} server the service's origin
 * @property {string | null} apiKey
 * @property {Record<string, string | string[]>} fields upload form fields (quality, format, …), sent as
 *   given; a list is sent as the same field repeated
 * @property {boolean} zip also write the images ZIP
 * @property {boolean} failures also write the failures report
 * @property {string | null} outDir where the files go; null: beside the CSV
 * @property {number} pollMs
 */

export const USAGE = `Usage: csv-image-compressor <products.csv> [options]

Uploads the CSV, shows progress while its images are compressed, then writes the output CSV
next to it (<name>-output.csv), and on request the images ZIP and the failures report.

Options:
  -s, --server <url>      the service (default: $CIC_SERVER_URL, else http://localhost:3000)
  -k, --api-key <key>     an API key, for a server in keys mode (default: $CIC_API_KEY)
  -q, --quality <1-100>   encoder quality (the server's default: 50)
      --format <f>        keep, jpeg, png, webp, avif or auto
      --max-width <px>    scale larger images down to this width
      --max-height <px>   scale larger images down to this height
      --max-bytes <bytes> make every image at most this many bytes (lower quality where needed)
      --name-column <c>   for a CSV in no known layout: the column with the product name
      --image-column <c>  … a column with image URLs (repeat it for several)
      --id-column <c>     … the column with the product's id or SKU (optional)
      --webhook-url <url> called by the server when the request is finished
  -z, --zip               also write <name>-images.zip: every compressed image
  -f, --failures          also write <name>-failures.csv: every image that failed, and why
  -o, --out-dir <dir>     write the files here instead of beside the CSV
      --poll <seconds>    how often to ask for progress (default: 1)
  -h, --help              this text
  -v, --version           the version

Exit codes: 0 done (some images may have failed: the output says how many), 1 wrong usage (an
option the server refused too) or unreadable file, 2 the file was refused (each problem is printed
with its row), 3 the API key was refused or is missing, 4 the server could not be reached or
answered with an error, 5 the request finished without any image compressed (failed or cancelled).`;

/** A problem with how the command was called: the message, then the usage, exit 1. */
export class UsageError extends Error {}

/**
 * @param {string[]} argv the arguments after the script's name
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ help: true } | { version: true } | Options}
 */
export function readOptions(argv, env) {
  /** @type {ReturnType<typeof parseArgs>} */
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        server: { type: "string", short: "s" },
        "api-key": { type: "string", short: "k" },
        quality: { type: "string", short: "q" },
        format: { type: "string" },
        "max-width": { type: "string" },
        "max-height": { type: "string" },
        "max-bytes": { type: "string" },
        "name-column": { type: "string" },
        "image-column": { type: "string", multiple: true },
        "id-column": { type: "string" },
        "webhook-url": { type: "string" },
        zip: { type: "boolean", short: "z" },
        failures: { type: "boolean", short: "f" },
        "out-dir": { type: "string", short: "o" },
        poll: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (values.version) return { version: true };
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? "Name the CSV to upload." : "Name one CSV at a time.");
  }
  const text = (/** @type {string} */ name) => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  const serverText = text("server") ?? env.CIC_SERVER_URL ?? "http://localhost:3000";
  const server = parseServer(serverText);
  const pollText = text("poll") ?? "1";
  const pollSeconds = Number(pollText);
  if (!Number.isFinite(pollSeconds) || pollSeconds < 0.1 || pollSeconds > 60) {
    throw new UsageError(`--poll takes seconds from 0.1 to 60 (got "${pollText}").`);
  }
  /** @type {Record<string, string | string[]>} */
  const fields = {};
  for (const [option, field] of /** @type {const} */ ([
    ["quality", "quality"],
    ["format", "format"],
    ["max-width", "maxWidth"],
    ["max-height", "maxHeight"],
    ["max-bytes", "maxBytes"],
    ["webhook-url", "webhookUrl"],
    ["name-column", "nameColumn"],
    ["id-column", "idColumn"],
  ])) {
    const value = text(option);
    if (value !== undefined) fields[field] = value;
  }
  const imageColumns = values["image-column"];
  if (Array.isArray(imageColumns)) fields.imageColumns = imageColumns.map(String);
  return {
    file: positionals[0],
    server,
    apiKey: text("api-key") ?? (env.CIC_API_KEY || null),
    fields,
    zip: values.zip === true,
    failures: values.failures === true,
    outDir: text("out-dir") ?? null,
    pollMs: Math.round(pollSeconds * 1000),
  };
}

/** @param {string} text */
function parseServer(text) {
  /** @type {URL} */
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--server must be a URL such as http://localhost:3000 (got "${text}").`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--server must be an http or https URL (got "${text}").`);
  }
  // The service answers at the root of its origin; its links (statusUrl, …) are absolute paths.
  return new URL(url.origin);
}
