import { afterAll, beforeAll, expect, it } from "vitest";
import { findRequest } from "@/db/requests";
import { uploadCsv } from "@/test/api";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { recordingRunner } from "@/test/runners";
import { photoJpeg } from "@/test/sample-images";
import { InlineRunner } from "./inline-runner";
import { getJobRunner, type JobRunner, provideJobRunner } from "./job-runner";
import { PRODUCT_CSV_HEADER } from "@/test/product-csv";

/**
 * Fair shares through the in-process runner: workers go round-robin across owners, not requests.
 * The uploads are only recorded (the test's own runner does the work, with a known number of workers).
 */

const accepted: string[] = [];
const CONCURRENCY = 10;
let server: ImageServer;
let realRunner: JobRunner;
/** Whose download started, in order: "many" (ten requests) or "one" (a single request). */
const started: ("many" | "one")[] = [];

beforeAll(async () => {
  realRunner = await getJobRunner();
  provideJobRunner(async () => recordingRunner(accepted));
  server = await startImageServer();
  const jpeg = await photoJpeg(64, 48);
  const slow =
    (owner: "many" | "one") =>
    async (...args: Parameters<ReturnType<typeof serveBytes>>) => {
      started.push(owner);
      await new Promise((resolve) => setTimeout(resolve, 150));
      await serveBytes(jpeg, "image/jpeg")(...args);
    };
  for (let request = 0; request < 10; request++) {
    for (let image = 0; image < 10; image++) server.route(`/many/${request}/${image}.jpg`, slow("many"));
  }
  for (let image = 0; image < 30; image++) server.route(`/one/${image}.jpg`, slow("one"));
});

afterAll(async () => {
  provideJobRunner(async () => realRunner);
  await server.close();
});

async function upload(paths: string[], cookie: string) {
  const csv = `${PRODUCT_CSV_HEADER}\n1,Product,"${paths.map((path) => server.url(path)).join(",")}"\n`;
  const response = await uploadCsv(csv, { as: { cookie } });
  expect(response.status).toBe(202);
  return (await findRequest((await response.json()).requestId))!;
}

it("gives an owner with one request as many workers as an owner with ten", { timeout: 60_000 }, async () => {
  const many = [];
  for (let request = 0; request < 10; request++) {
    const paths = Array.from({ length: 10 }, (_, image) => `/many/${request}/${image}.jpg`);
    many.push(await upload(paths, "cic_owner=fair-share-owner-many-01"));
  }
  const one = await upload(
    Array.from({ length: 30 }, (_, image) => `/one/${image}.jpg`),
    "cic_owner=fair-share-owner-one-0001",
  );

  // The single request is handed over last, behind the other owner's ten.
  const runner = new InlineRunner({ concurrency: CONCURRENCY, perHostConcurrency: 100 });
  for (const request of [...many, one]) await runner.requestAccepted(request);
  await runner.idle();

  // While both owners had work: every download up to the single request's last one, after the first
  // ten. Those fill the idle workers from whichever owner's first claim comes back first (a race of
  // two database reads, which an idle worker does not wait out); the turns come after.
  const whileBoth = started.slice(CONCURRENCY, started.lastIndexOf("one") + 1);
  const share = whileBoth.filter((owner) => owner === "one").length / whileBoth.length;
  // Round-robin across owners gives it half; round-robin across requests would give it an eleventh.
  expect(share).toBeGreaterThan(0.4);
  expect(share).toBeLessThan(0.6);
  expect(started).toHaveLength(130);
});
