import { randomUUID } from "node:crypto";
import { link, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { images, products, requests } from "@/db/schema";
import { describeLoopDelay, eventLoopDelay } from "../event-loop";
import { sleep, since } from "../http";
import { photoJpeg } from "../photos";
import { recreateBenchDatabase } from "../postgres";
import { type Figure, num, printFigure, printTable, ratioOf } from "../report";
import { sampleRss, toMiB } from "../rss";
import { startServer } from "../server";
import type { Section } from "./section";

const ROWS = 10_000;
const URLS_PER_ROW = 5;
const IMAGES = ROWS * URLS_PER_ROW;
const IDLE_MS = 3_000;
const INSERT_CHUNK = 5_000;

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

/**
 * A finished request of IMAGES compressed images, written straight into the server's database and
 * storage folder: compressing 50,000 images first would take this machine most of an hour and is
 * not what is measured. Every output is a hard link to one photo, so the folder costs no space.
 */
async function seedFinishedRequest(databaseUrl: string, storageDir: string, photo: Buffer) {
  const requestId = randomUUID();
  const filesId = randomUUID();
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const db = drizzle({ client });
  try {
    const now = new Date();
    await db.insert(requests).values({
      id: requestId,
      filesId,
      owner: null,
      status: "completed",
      fileName: "zip.csv",
      inputCsvKey: `uploads/${filesId}/zip.csv`,
      inputCsvUrl: "http://127.0.0.1/zip.csv",
      quality: 50,
      totalProducts: ROWS,
      totalImages: IMAGES,
      processedImages: IMAGES,
      bytesIn: IMAGES * photo.length,
      bytesOut: IMAGES * photo.length,
      completedAt: now,
    });
    const url = (position: number) => `http://127.0.0.1/zip/${position}.jpg`;
    const productRows = Array.from({ length: ROWS }, (_, row) => {
      const positions = Array.from({ length: URLS_PER_ROW }, (_, k) => row * URLS_PER_ROW + k);
      return {
        requestId,
        position: row,
        rowNumber: row + 2,
        serialNumber: String(row + 1),
        productName: `Product ${row + 1}`,
        inputUrlsCell: positions.map(url).join(", "),
        imagePositions: positions,
      };
    });
    for (let start = 0; start < ROWS; start += INSERT_CHUNK) {
      await db.insert(products).values(productRows.slice(start, start + INSERT_CHUNK));
    }
    for (let start = 0; start < IMAGES; start += INSERT_CHUNK) {
      const chunk = Array.from({ length: Math.min(INSERT_CHUNK, IMAGES - start) }, (_, index) => {
        const position = start + index;
        return {
          requestId,
          position,
          url: url(position),
          status: "completed" as const,
          attempts: 1,
          outputKey: `images/${filesId}/${position + 1}.jpg`,
          format: "jpeg",
          bytesIn: photo.length,
          bytesOut: photo.length,
          optimized: false,
          completedAt: now,
        };
      });
      await db.insert(images).values(chunk);
    }
  } finally {
    await client.end();
  }
  const folder = path.join(storageDir, "images", filesId);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, "1.jpg"), photo);
  for (let position = 1; position < IMAGES; position++) {
    await link(path.join(folder, "1.jpg"), path.join(folder, `${position + 1}.jpg`));
  }
  return requestId;
}

export const imagesZip: Section = {
  name: "images-zip",
  title: `11. images-zip: server memory while the ZIP of a ${IMAGES.toLocaleString("en-US")}-image request streams`,
  async run() {
    const photo = await photoJpeg(320, 240, 11);
    const folder = await mkdtemp(path.join(os.tmpdir(), "csv-bench-zip-"));
    const storageDir = path.join(folder, "storage");
    const databaseUrl = await recreateBenchDatabase("csv_bench_zip");
    const server = await startServer({ name: "images-zip server", databaseUrl, env: { STORAGE_DIR: storageDir } });
    try {
      const seedStart = performance.now();
      const requestId = await seedFinishedRequest(databaseUrl, storageDir, photo.bytes);
      const seedSeconds = since(seedStart) / 1000;

      // The same server idle, with the request in place: what the ZIP adds is measured against it.
      await sleep(IDLE_MS);
      const idleSampler = sampleRss(server.pid);
      await sleep(IDLE_MS);
      const idle = idleSampler.stop();

      const loop = eventLoopDelay(server.origin);
      await loop.start();
      const sampler = sampleRss(server.pid);
      const download = await downloadZip(`${server.origin}/api/csv/requests/${requestId}/images.zip`);
      const streaming = sampler.stop();
      const loopDelay = await loop.read();
      if (download.status !== 200) throw new Error(`the ZIP answered ${download.status}`);
      if (download.entries !== IMAGES) throw new Error(`the ZIP holds ${download.entries} entries, not ${IMAGES}`);

      printTable(
        ["what", "value"],
        [
          ["request written to PostgreSQL and the storage folder", `${num(seedSeconds)} s`],
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
      return { figures, details: { seedSeconds, download, idle, streaming, loopDelay } };
    } finally {
      await server.stop();
      await rm(folder, { recursive: true, force: true });
    }
  },
};
