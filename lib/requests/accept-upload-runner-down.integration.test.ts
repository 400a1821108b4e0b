import { describe, expect, it, vi } from "vitest";

// Inngest chosen, but its server is down: a closed port on this machine.
vi.hoisted(() => {
  process.env.JOB_RUNNER = "inngest";
  process.env.INNGEST_DEV = "1";
  process.env.INNGEST_BASE_URL = "http://127.0.0.1:2";
});

import { uploadCsv } from "@/test/api";
import { requestsNamed, uniqueFileName } from "@/test/db";
import { productCsv } from "@/test/product-csv";

describe("upload when the background workers cannot be reached", () => {
  it("answers 503 and keeps nothing", async () => {
    const fileName = uniqueFileName();
    const response = await uploadCsv(productCsv(["Item", "https://shop.test/a.jpg"]), {
      fileName,
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      isValid: false,
      code: "unavailable:jobs",
      error: expect.stringContaining("nothing was kept"),
    });
    expect(await requestsNamed(fileName)).toBe(0);
  }, 60_000);
});
