import { rmSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { freePort } from "./support/ports";
import { type ServerProcess, startServerProcess, statusOf, waitForHealth } from "./support/server-process";
import { PRODUCT_CSV_HEADER } from "@/test/product-csv";

/**
 * Thousands of images that fail at once (the address guard refuses loopback on a production server,
 * before any connection is opened) must not take the server from its other clients: a request to a
 * trivial route sent while they fail is answered before the last of them has failed. Each of them
 * still fails, with its reason, upload and retry alike.
 */

const ROWS = 4_000;
const PER_ROW = 5;
const IMAGES = ROWS * PER_ROW;

let server: ServerProcess | null = null;

test.afterAll(() => server?.signal("SIGKILL"));

function refusedCsv(): string {
  const rows = Array.from({ length: ROWS }, (_, row) => {
    const urls = Array.from({ length: PER_ROW }, (_, k) => `http://127.0.0.1/refused/${row}-${k}.jpg`);
    return `${row + 1},Product ${row + 1},"${urls.join(",")}"`;
  });
  return `${PRODUCT_CSV_HEADER}\n${rows.join("\n")}\n`;
}

/** A trivial route's answer arrives while the flood is still failing; then the flood ends, every image failed. */
async function expectAnsweredMidFlood(origin: string, requestId: string) {
  const trivial = await fetch(`${origin}/api/openapi.json`);
  expect(trivial.status).toBe(200);
  const meanwhile = (await statusOf(origin, requestId)).progress;
  expect(meanwhile.failedImages).toBeLessThan(IMAGES);

  await expect
    .poll(async () => (await statusOf(origin, requestId)).status, { timeout: 120_000, intervals: [500] })
    .toBe("failed");
  const final = await statusOf(origin, requestId);
  expect(final.progress).toMatchObject({ totalImages: IMAGES, failedImages: IMAGES, processedImages: 0 });
  expect(final.products[0].images[0].error).toMatch(/loopback address/);
}

test("a flood of images refused at once leaves the server answering, upload and retry alike", async () => {
  test.setTimeout(300_000);
  const data = path.resolve(".data/e2e-refusals");
  rmSync(data, { recursive: true, force: true });
  server = startServerProcess({ dataDir: data, port: await freePort(), env: { FETCH_ALLOW_HOSTS: "" } });
  await waitForHealth(server.origin);

  const form = new FormData();
  form.set("file", new File([refusedCsv()], "refused.csv", { type: "text/csv" }));
  const upload = await fetch(`${server.origin}/api/csv/upload`, { method: "POST", body: form });
  expect(upload.status).toBe(202);
  const { requestId } = (await upload.json()) as { requestId: string };
  const cookie = upload.headers.get("set-cookie")!.split(";")[0];
  await expectAnsweredMidFlood(server.origin, requestId);

  const retry = await fetch(`${server.origin}/api/csv/requests/${requestId}/retry`, {
    method: "POST",
    headers: { cookie },
  });
  expect(retry.status).toBe(202);
  await expectAnsweredMidFlood(server.origin, requestId);
});
