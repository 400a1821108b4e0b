import http from "node:http";
import { productCsv, uploadCsv, waitUntilFinished } from "../client";
import { describeLoopDelay, eventLoopDelay } from "../event-loop";
import { sleep, since } from "../http";
import { photoJpeg } from "../photos";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { sampleRss, toMiB } from "../rss";
import { startServer } from "../server";
import type { Section } from "./section";

const ROWS = 10_000;
const URLS_PER_ROW = 5;
const IMAGES = ROWS * URLS_PER_ROW;
const IDLE_MS = 3_000;

type Download = { bytes: number; ms: number; entries: number; status: number };

/**
 * Reads the whole ZIP as a client saving it would, keeping only the end of the archive: its last
 * record says how many entries it holds (the archive stays under ZIP64's 65,535 entries here).
 */
function downloadZip(url: string): Promise<Download> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let bytes = 0;
        let tail = Buffer.alloc(0);
        response.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          tail = Buffer.concat([tail, chunk]).subarray(-22);
        });
        response.on("end", () => {
          const entries = tail.readUInt32LE(0) === 0x06054b50 ? tail.readUInt16LE(10) : -1;
          resolve({ bytes, ms: since(start), entries, status: response.statusCode ?? 0 });
        });
        response.on("error", reject);
      })
      .on("error", reject);
  });
}

export const imagesZip: Section = {
  name: "images-zip",
  title: `11. images-zip: server memory while the ZIP of a ${IMAGES.toLocaleString("en-US")}-image request streams`,
  async run({ imageHost }) {
    const host = await imageHost();
    const photo = await photoJpeg(320, 240, 11);
    await host.serve([{ prefix: "/zip/", file: photo.file }]);
    const server = await startServer({ name: "images-zip server" });
    try {
      const csv = productCsv(
        Array.from({ length: ROWS }, (_, row) =>
          Array.from({ length: URLS_PER_ROW }, (_, k) => host.url(`/zip/${row}-${k}.jpg`)),
        ),
      );
      const { accepted } = await uploadCsv(server.origin, csv, "zip.csv");
      const processingStart = performance.now();
      const finished = await waitUntilFinished(server.origin, accepted.requestId, 1_000);
      const processingSeconds = since(processingStart) / 1000;
      if (finished.progress.processedImages !== IMAGES) {
        throw new Error(`${finished.progress.processedImages} of ${IMAGES} images were processed`);
      }

      // The same server idle, with the request finished: what the ZIP adds is measured against it.
      await sleep(IDLE_MS);
      const idleSampler = sampleRss(server.pid);
      await sleep(IDLE_MS);
      const idle = idleSampler.stop();

      const loop = eventLoopDelay(server.origin);
      await loop.start();
      const sampler = sampleRss(server.pid);
      const download = await downloadZip(`${server.origin}/api/csv/requests/${accepted.requestId}/images.zip`);
      const streaming = sampler.stop();
      const loopDelay = await loop.read();
      if (download.status !== 200) throw new Error(`the ZIP answered ${download.status}`);
      if (download.entries !== IMAGES) throw new Error(`the ZIP holds ${download.entries} entries, not ${IMAGES}`);

      printTable(
        ["what", "value"],
        [
          ["images processed (one photo at every URL: reused after the first)", `${num(processingSeconds)} s`],
          ["ZIP size", `${num(download.bytes / 2 ** 20)} MiB, ${download.entries.toLocaleString("en-US")} entries`],
          [
            "ZIP streamed in",
            `${num(download.ms / 1000)} s (${num(download.bytes / 2 ** 20 / (download.ms / 1000))} MiB/s)`,
          ],
          ["server RSS idle (peak over 3 s)", `${num(toMiB(idle.peak))} MiB`],
          ["server RSS while streaming (peak)", `${num(toMiB(streaming.peak))} MiB (${streaming.samples} samples)`],
          ["while streaming", describeLoopDelay(loopDelay)],
        ],
      );
      const figures: Figure[] = [
        {
          name: `peak RSS streaming a ${IMAGES.toLocaleString("en-US")}-image ZIP ÷ idle`,
          value: toMiB(streaming.peak),
          unit: "MiB",
          baseline: toMiB(idle.peak),
          baselineName: "the same server idle",
          ratio: ratioOf(streaming.peak, idle.peak),
          target: { on: "ratio", atMost: 1.5, text: "≤ 1.5" },
        },
      ];
      figures.forEach(printFigure);
      return {
        figures,
        details: { processingSeconds, download, idle, streaming, loopDelay },
      };
    } finally {
      await server.stop();
    }
  },
};
