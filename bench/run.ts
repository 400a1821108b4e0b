/**
 * `npm run bench`: speed and memory figures of the image pipeline, each printed as a ratio against a
 * baseline measured in the same run, so the numbers compare across machines.
 *
 *  1. Compression per format: time per image and output size as a share of the input.
 *  2. JPEG encoder: the default encoder against mozjpeg (what the pipeline chose not to use).
 *  3. Throughput: a whole request through the in-process runner against the same images one at a time.
 *  4. Memory: peak resident memory while a request of large photos is processed.
 *  5. Status of a 100,000-image request: counters against counting the images.
 *
 * Everything runs in this process against PGlite in memory, a temporary storage folder and an image
 * server on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const storageDir = mkdtempSync(path.join(os.tmpdir(), "bench-storage-"));
// The app's settings for this run; set before any module reads them.
Object.assign(process.env, {
  DATABASE_URL: "",
  PGLITE_DIR: "memory://",
  STORAGE_DIR: storageDir,
  FETCH_ALLOW_HOSTS: "127.0.0.1",
  PUBLIC_BASE_URL: "http://127.0.0.1:3999",
  JOB_RUNNER: "inline",
});

const sharp = (await import("sharp")).default;
const { imageFixtures } = await import("@/test/image-fixtures");
const { compressImage } = await import("@/lib/images/compress-image");
const { fetchImage } = await import("@/lib/fetch/fetch-image");
const { startImageServer, serveBytes } = await import("@/test/image-server");
const { settle, uploadCsv } = await import("@/test/api");
const { config } = await import("@/lib/config");

const QUALITY = 50;

function table(rows: Record<string, string | number>[]) {
  console.table(rows);
}

function ms(since: bigint) {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

async function time<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = process.hrtime.bigint();
  const result = await run();
  return { result, ms: ms(start) };
}

/** A photo-like image: smooth gradients plus grain, which is what product photos compress like. */
async function photo(width: number, height: number, seed: number): Promise<Buffer> {
  const gradient = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
      `<stop offset="0" stop-color="hsl(${(seed * 37) % 360},60%,70%)"/><stop offset="1" stop-color="hsl(${(seed * 37 + 120) % 360},50%,30%)"/></linearGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="hsl(${(seed * 53) % 360},70%,50%)"/></svg>`,
  );
  const grain = await sharp({
    create: { width, height, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 12 } },
  })
    .raw()
    .toBuffer();
  return sharp(gradient)
    .composite([{ input: grain, raw: { width, height, channels: 3 }, blend: "overlay" }])
    .jpeg({ quality: 92 })
    .toBuffer();
}

async function compressionPerFormat() {
  console.log("\n1. Compression per format (quality 50, 400×300 fixtures)");
  const names = [
    "baselineJpeg",
    "progressiveJpeg",
    "cmykJpeg",
    "opaquePng",
    "transparentPng",
    "sixteenBitPng",
    "lossyWebp",
    "losslessWebp",
    "animatedWebp",
    "avifImage",
    "stillGif",
    "animatedGif",
    "tiffImage",
  ] as const;
  const rows = [];
  for (const name of names) {
    const input = await imageFixtures[name]();
    await compressImage(input, { quality: QUALITY });
    const runs = 5;
    const { result, ms: total } = await time(async () => {
      let last;
      for (let i = 0; i < runs; i++) last = await compressImage(input, { quality: QUALITY });
      return last!;
    });
    rows.push({
      fixture: name,
      format: `${result.format}${result.optimized ? "" : " (kept)"}`,
      "ms / image": (total / runs).toFixed(1),
      "bytes in": input.length,
      "bytes out": result.bytesOut,
      "out / in": (result.bytesOut / input.length).toFixed(3),
    });
  }
  table(rows);
}

async function jpegEncoders() {
  console.log("\n2. JPEG encoder: default (used) against mozjpeg (baseline), 2000×1500 photo, quality 50");
  const input = await photo(2000, 1500, 7);
  const encode = (mozjpeg: boolean) => sharp(input).rotate().jpeg({ quality: QUALITY, mozjpeg }).toBuffer();
  await encode(false);
  await encode(true);
  const runs = 5;
  const used = await time(async () => {
    let out!: Buffer;
    for (let i = 0; i < runs; i++) out = await encode(false);
    return out;
  });
  const moz = await time(async () => {
    let out!: Buffer;
    for (let i = 0; i < runs; i++) out = await encode(true);
    return out;
  });
  table([
    { encoder: "default (libjpeg-turbo)", "ms / image": (used.ms / runs).toFixed(0), bytes: used.result.length },
    { encoder: "mozjpeg (baseline)", "ms / image": (moz.ms / runs).toFixed(0), bytes: moz.result.length },
  ]);
  console.log(
    `   speed: default is ${(moz.ms / used.ms).toFixed(2)}× mozjpeg; size: default is ${(used.result.length / moz.result.length).toFixed(2)}× mozjpeg's`,
  );
}

async function throughput(server: Awaited<ReturnType<typeof startImageServer>>) {
  const count = 40;
  console.log(
    `\n3. Throughput: ${count} photos (1600×1200 JPEG), download + compress alone against the whole pipeline`,
  );
  const { InlineRunner } = await import("@/lib/jobs/inline-runner");
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    server.route(`/t/${i}.jpg`, serveBytes(await photo(1600, 1200, i), "image/jpeg"));
    urls.push(server.url(`/t/${i}.jpg`));
  }
  const csv = `S. No.,Product Name,Input Image Urls\n${urls.map((url, i) => `${i + 1},Photo ${i + 1},${url}`).join("\n")}\n`;
  // The upload route uses the process's one runner; each run here installs one of the concurrency measured.
  const runner = globalThis as typeof globalThis & { __csvImageRunner?: InstanceType<typeof InlineRunner> };
  const pipeline = (concurrency: number) => {
    runner.__csvImageRunner = new InlineRunner(concurrency);
    return time(async () => settle((await (await uploadCsv(csv)).json()).requestId));
  };

  const bare = await time(async () => {
    for (const url of urls) await compressImage((await fetchImage(url)).bytes, { quality: QUALITY });
  });
  const single = await pipeline(1);
  const parallel = await pipeline(config.jobs.concurrency);
  const rate = (run: { ms: number }) => (count / (run.ms / 1000)).toFixed(1);
  table([
    {
      run: "download + compress, one at a time (baseline)",
      seconds: (bare.ms / 1000).toFixed(2),
      "images / s": rate(bare),
    },
    { run: "whole pipeline, 1 worker", seconds: (single.ms / 1000).toFixed(2), "images / s": rate(single) },
    {
      run: `whole pipeline, ${config.jobs.concurrency} workers (default)`,
      seconds: (parallel.ms / 1000).toFixed(2),
      "images / s": rate(parallel),
    },
  ]);
  const status = parallel.result;
  console.log(
    `   pipeline at default concurrency: ${(bare.ms / parallel.ms).toFixed(2)}× the bare baseline's speed, ${(single.ms / parallel.ms).toFixed(2)}× one worker's; ` +
      `${status.progress.processedImages}/${count} completed; bytes out / in ${(status.totals.bytesOut / status.totals.bytesIn).toFixed(3)}`,
  );
}

async function memory(server: Awaited<ReturnType<typeof startImageServer>>) {
  const count = 12;
  console.log(`\n4. Memory: a request of ${count} large photos (6000×4000, 24 MP each)`);
  const large = await photo(6000, 4000, 3);
  for (let i = 0; i < count; i++) server.route(`/m/${i}.jpg`, serveBytes(large, "image/jpeg"));
  const peakDuring = async (run: () => Promise<unknown>) => {
    global.gc?.();
    const start = process.memoryUsage().rss;
    let peak = start;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    await run();
    clearInterval(timer);
    return { start, peak };
  };
  const one = await peakDuring(async () =>
    compressImage((await fetchImage(server.url("/m/0.jpg"))).bytes, { quality: QUALITY }),
  );
  const csv = `S. No.,Product Name,Input Image Urls\n${Array.from({ length: count }, (_, i) => `${i + 1},Large ${i + 1},${server.url(`/m/${i}.jpg`)}`).join("\n")}\n`;
  const all = await peakDuring(async () => settle((await (await uploadCsv(csv)).json()).requestId));
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  table([
    {
      run: "one image alone (baseline)",
      "rss before MB": mb(one.start),
      "peak rss MB": mb(one.peak),
      "growth MB": mb(one.peak - one.start),
    },
    {
      run: `${count} images, concurrency ${config.jobs.concurrency}`,
      "rss before MB": mb(all.start),
      "peak rss MB": mb(all.peak),
      "growth MB": mb(all.peak - all.start),
    },
  ]);
  console.log(
    `   input ${(large.length / 1024 / 1024).toFixed(1)} MB per image; peak growth for the request is ${((all.peak - all.start) / Math.max(1, one.peak - one.start)).toFixed(2)}× one image's (bounded by concurrency, not by the request's size)`,
  );
}

async function statusAtScale() {
  const images = 100_000;
  console.log(`\n5. Status of a request with ${images.toLocaleString()} images`);
  const { insertRequest } = await import("@/db/queries");
  const { getRequestStatus } = await import("@/lib/requests/status");
  const { getDb } = await import("@/db/client");
  const schema = await import("@/db/schema");
  const { count, eq } = await import("drizzle-orm");
  const requestId = "bench-100k";
  // 10,000 rows of 10 images: the row limit's default with a typical number of photos per product.
  const perRow = 10;
  const productRows = Array.from({ length: images / perRow }, (_, position) => ({
    position,
    rowNumber: position + 2,
    serialNumber: String(position + 1),
    productName: `Product ${position + 1}`,
    inputUrlsCell: "",
    imageUrls: Array.from({ length: perRow }, (_, i) => `https://shop.test/${position}/${i}.jpg`),
  }));
  const inserted = await time(() =>
    insertRequest({
      request: {
        id: requestId,
        fileName: "big.csv",
        inputCsvKey: "x",
        inputCsvUrl: "x",
        quality: 50,
        totalProducts: productRows.length,
        totalImages: images,
        webhookUrl: null,
      },
      productRows,
      imageUrls: productRows.flatMap((row) => row.imageUrls),
    }),
  );
  const db = await getDb();
  // What a status without counters would do: tally the request's images by state, then read the page.
  const scan = async () => {
    await db
      .select({ status: schema.images.status, n: count() })
      .from(schema.images)
      .where(eq(schema.images.requestId, requestId))
      .groupBy(schema.images.status);
    return status();
  };
  const status = () => getRequestStatus({ requestId, pageSize: 50 });
  await scan();
  await status();
  const runs = 20;
  const scanned = await time(async () => {
    for (let i = 0; i < runs; i++) await scan();
  });
  const counted = await time(async () => {
    for (let i = 0; i < runs; i++) await status();
  });
  table([
    { query: "tally images by state + one page (baseline)", "ms / call": (scanned.ms / runs).toFixed(1) },
    { query: "status API: counters + one page of 50 products", "ms / call": (counted.ms / runs).toFixed(1) },
  ]);
  console.log(
    `   stored in ${(inserted.ms / 1000).toFixed(1)} s; status with counters takes ${(counted.ms / scanned.ms).toFixed(2)}× the time of a status that scans`,
  );
}

const server = await startImageServer();
// Open (and migrate) the database before anything is timed.
await (await import("@/db/client")).getDb();
try {
  console.log(
    `CSV Image Compressor benchmark · node ${process.version} · ${os.availableParallelism()} cores · sharp ${sharp.versions.sharp}`,
  );
  await compressionPerFormat();
  await jpegEncoders();
  await throughput(server);
  await memory(server);
  await statusAtScale();
} finally {
  await server.close();
  rmSync(storageDir, { recursive: true, force: true });
}
process.exit(0);
