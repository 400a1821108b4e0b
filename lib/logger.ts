import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import { config } from "./config";

/**
 * The service's log: JSON lines in production, readable lines in development, at `LOG_LEVEL`.
 * Context travels as fields (`requestId`, `imageId`, `err`), so a log search finds every line of
 * one request. pino-pretty runs as a synchronous stream: pino's worker-thread transports do not
 * survive Next.js bundling.
 */
function createLogger(): Logger {
  const options = { level: config.log.level, base: { service: "csv-image-compressor" } };
  if (config.log.format === "pretty") {
    return pino(options, pretty({ sync: true, colorize: true, singleLine: true, ignore: "pid,hostname,service" }));
  }
  return pino(options);
}

// One logger per process, even when Next.js loads this module in several bundles.
const slot = globalThis as typeof globalThis & { __csvImageLogger?: Logger };

export const logger: Logger = (slot.__csvImageLogger ??= createLogger());
