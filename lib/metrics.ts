import client from "prom-client";
import { countRequestsByStatus } from "@/db/requests";
import { countUnfinishedImages } from "@/db/images";
import { logger } from "./logger";
import { statusStoreUsage } from "./requests/status-answers";
import { processSingleton } from "@/lib/process-singleton";

/**
 * The service's Prometheus metrics. One registry per process: Next.js may evaluate this module in
 * several bundles, and two registries would each see only part of the counts.
 */
function createMetrics() {
  const register = new client.Registry();
  client.collectDefaultMetrics({ register });

  const imagesFinished = new client.Counter({
    name: "csv_images_finished_total",
    help: "Images finished, by outcome (completed or failed) and output format.",
    labelNames: ["outcome", "format"] as const,
    registers: [register],
  });
  const imageBytesIn = new client.Counter({
    name: "csv_image_in_bytes_total",
    help: "Bytes downloaded for completed images.",
    registers: [register],
  });
  const imageBytesOut = new client.Counter({
    name: "csv_image_out_bytes_total",
    help: "Bytes stored for completed images.",
    registers: [register],
  });
  const imageSeconds = new client.Histogram({
    name: "csv_image_processing_seconds",
    help: "Time to download, compress and store one image, by outcome (completed, reused, retry, failed).",
    labelNames: ["outcome"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [register],
  });
  const imagesInFlight = new client.Gauge({
    name: "csv_images_in_flight",
    help: "Images this process is working on now.",
    registers: [register],
  });
  const webhookDeliveries = new client.Counter({
    name: "csv_webhook_deliveries_total",
    help: "Webhook delivery attempts, by outcome (delivered, retry, failed).",
    labelNames: ["outcome"] as const,
    registers: [register],
  });

  // Read from the database when scraped: true for every process, and for the Inngest runner too.
  new client.Gauge({
    name: "csv_images_waiting",
    help: "Images of processing requests that are not finished yet.",
    registers: [register],
    async collect() {
      try {
        this.set(await countUnfinishedImages());
      } catch (error) {
        logger.warn({ err: error }, "metrics: could not count waiting images");
      }
    },
  });
  new client.Gauge({
    name: "csv_requests",
    help: "Requests by status.",
    labelNames: ["status"] as const,
    registers: [register],
    async collect() {
      try {
        const rows = await countRequestsByStatus();
        this.reset();
        for (const { status, count } of rows) this.set({ status }, count);
      } catch (error) {
        logger.warn({ err: error }, "metrics: could not count requests");
      }
    },
  });

  new client.Gauge({
    name: "csv_status_answers_cached_bytes",
    help: "Bytes of status answers this process keeps to share among pollers (bounded).",
    registers: [register],
    collect() {
      this.set(statusStoreUsage().bytes);
    },
  });

  return { register, imagesFinished, imageBytesIn, imageBytesOut, imageSeconds, imagesInFlight, webhookDeliveries };
}

export const metrics = processSingleton("metrics", createMetrics);
