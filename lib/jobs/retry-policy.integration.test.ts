import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { findRequest } from "@/db/requests";
import { OUTPUT_CSV_NOT_STORED } from "@/lib/jobs/finish-request";
import { getStorage } from "@/lib/storage/get-storage";
import { settle, uploadCsv } from "@/test/api";
import { type ImageServer, startImageServer } from "@/test/image-server";
import { retryPolicy } from "./retry-policy";
import { productCsv } from "@/test/product-csv";

/** The in-process runner keeps to the policy (the Inngest functions' side: inngest/functions). */

let server: ImageServer;

beforeAll(async () => {
  server = await startImageServer();
});

afterAll(() => server.close());

it("tries to store the output CSV retryPolicy.finishAttempts times, then closes the request without it", async () => {
  const storage = await getStorage();
  const put = storage.put.bind(storage);
  const csvPuts: string[] = [];
  // The upload's own CSV is stored; every output CSV fails.
  const spy = vi.spyOn(storage, "put").mockImplementation(async (key, ...rest) => {
    if (!key.endsWith("-output.csv")) return put(key, ...rest);
    csvPuts.push(key);
    throw new Error("the storage folder is not writable");
  });
  try {
    const response = await uploadCsv(productCsv(["Item", server.url("/missing.jpg")]));
    expect(response.status).toBe(202);
    const { requestId } = await response.json();
    const status = await settle(requestId);
    expect(status.status).toBe("failed");
    expect(csvPuts).toHaveLength(retryPolicy.finishAttempts);
    expect(await findRequest(requestId)).toMatchObject({ outputCsvKey: null, error: OUTPUT_CSV_NOT_STORED });
  } finally {
    spy.mockRestore();
  }
});
