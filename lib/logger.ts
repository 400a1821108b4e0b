import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import { config } from "./config";
import { processSingleton } from "@/lib/process-singleton";

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

export const logger: Logger = processSingleton("logger", createLogger);
