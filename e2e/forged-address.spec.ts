import { rmSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { imageUrls } from "./support/image-server";
import { freePort } from "./support/ports";
import { type ServerProcess, startServerProcess, waitForHealth } from "./support/server-process";
import { productCsv } from "@/test/product-csv";

/**
 * Per-client limits count the address a connection comes from, as the server accepts it: a client
 * that sends a new `X-Forwarded-For` with every upload is still one client.
 */

let server: ServerProcess | null = null;

test.afterAll(() => server?.signal("SIGKILL"));

test("a forged X-Forwarded-For does not get a client past its uploads a minute", async () => {
  test.setTimeout(120_000);
  const data = path.resolve(".data/e2e-forged-address");
  rmSync(data, { recursive: true, force: true });
  server = startServerProcess({ dataDir: data, port: await freePort(), env: { RATE_LIMIT_UPLOADS_PER_MINUTE: "3" } });
  await waitForHealth(server.origin);

  const upload = async (forwardedFor: string) => {
    const form = new FormData();
    const csv = productCsv(["Lamp", imageUrls.iconPng]);
    form.set("file", new File([csv], "lamp.csv", { type: "text/csv" }));
    const response = await fetch(`${server!.origin}/api/csv/upload`, {
      method: "POST",
      body: form,
      headers: { "x-forwarded-for": forwardedFor, "x-csv-socket-address": forwardedFor },
    });
    return response.status;
  };
  const statuses = [];
  for (let index = 1; index <= 4; index++) statuses.push(await upload(`203.0.113.${index}`));
  expect(statuses).toEqual([202, 202, 202, 429]);
});
