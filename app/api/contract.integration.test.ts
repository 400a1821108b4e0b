import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// A small size limit, so the 413 needs no large file.
vi.hoisted(() => {
  process.env.MAX_CSV_BYTES = String(64 * 1024);
});

import { GET as healthRoute } from "@/app/api/health/route";
import { GET as openApiRoute } from "@/app/api/openapi.json/route";
import { getJobRunner, provideJobRunner } from "@/lib/jobs/job-runner";
import { PROBE_OPERATIONS, openApiDocument } from "@/lib/openapi";
import {
  cancelRequest,
  deleteRequest,
  download,
  getStatus,
  listRequests,
  retryRequest,
  settle,
  uploadCsv,
} from "@/test/api";
import { expectContract } from "@/test/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { unreachableRunner } from "@/test/runners";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

/**
 * Every route, on success and on each error it documents, answers with a body that matches the
 * OpenAPI document generated from the contract. A field added, dropped or retyped in a route without
 * the contract fails here.
 */

const upload = { method: "post", path: "/api/csv/upload" } as const;
const status = { method: "get", path: "/api/csv/status/{requestId}" } as const;
const downloadCsv = { method: "get", path: "/api/csv/download/{requestId}" } as const;
const list = { method: "get", path: "/api/csv/requests" } as const;
const retry = { method: "post", path: "/api/csv/requests/{requestId}/retry" } as const;
const cancel = { method: "post", path: "/api/csv/requests/{requestId}/cancel" } as const;
const remove = { method: "delete", path: "/api/csv/requests/{requestId}" } as const;

let images: ImageServer;
let csv: string;

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
  const small = serveBytes(await photoJpeg(64, 48), "image/jpeg");
  images.route("/slow.jpg", async (request, response, hit) => {
    await new Promise((resolve) => setTimeout(resolve, 800));
    await small(request, response, hit);
  });
  csv = productCsv(["Shirt", images.url("/a.jpg"), images.url("/missing.jpg")]);
});

afterAll(() => images.close());

describe("the API answers as its OpenAPI document says", () => {
  it("upload: 202, 400, 413, 415 and 503", async () => {
    const accepted = await uploadCsv(csv, { fields: { webhookUrl: images.url("/hook") } });
    expect(accepted.status).toBe(202);
    await expectContract(accepted, upload);

    const invalid = await uploadCsv(productCsv(["", "file:///etc/passwd"]));
    expect(invalid.status).toBe(400);
    await expectContract(invalid, upload);

    const tooLarge = await uploadCsv("x".repeat(70 * 1024));
    expect(tooLarge.status).toBe(413);
    await expectContract(tooLarge, upload);

    const image = await uploadCsv(await photoJpeg(20, 20), { fileName: "photo.csv" });
    expect(image.status).toBe(415);
    await expectContract(image, upload);

    // The workers cannot take the request (Inngest's server down, say): nothing is kept.
    const runner = await getJobRunner();
    provideJobRunner(async () => unreachableRunner());
    try {
      const unavailable = await uploadCsv(csv);
      expect(unavailable.status).toBe(503);
      await expectContract(unavailable, upload);
    } finally {
      provideJobRunner(async () => runner);
    }
    await settle((await accepted.json()).requestId);
  });

  it("status: 200, 400 and 404; download: 200, 404 and 409; list: 200 and 400", async () => {
    const slow = await uploadCsv(productCsv(["Slow", images.url("/slow.jpg")]));
    const { requestId } = await slow.json();

    const processing = await getStatus(requestId);
    expect(processing.status).toBe(200);
    await expectContract(processing, status);
    const notReady = await download(requestId);
    expect(notReady.status).toBe(409);
    const body = (await expectContract(notReady, downloadCsv)) as { error: string; status: string };
    expect(body).toMatchObject({ status: "processing", error: expect.stringContaining("still processing") });

    await settle(requestId);
    const finished = await getStatus(requestId, "?page=1&pageSize=10");
    await expectContract(finished, status);
    const output = await download(requestId);
    expect(output.status).toBe(200);
    await expectContract(output, downloadCsv);

    for (const query of ["?page=abc", "?page=1e20", "?pageSize=0", "?pageSize=501"]) {
      const bad = await getStatus(requestId, query);
      expect(bad.status, query).toBe(400);
      const problem = (await expectContract(bad, status)) as { error: string };
      expect(problem.error).toMatch(/^page(Size)? must be a whole number from 1 to /);
    }

    const unknown = "00000000-0000-4000-8000-000000000000";
    await expectContract(await getStatus(unknown), status);
    expect((await getStatus(unknown)).status).toBe(404);
    expect((await download(unknown)).status).toBe(404);
    await expectContract(await download(unknown), downloadCsv);

    const page = await listRequests("?page=1&pageSize=5");
    expect(page.status).toBe(200);
    await expectContract(page, list);
    const badPage = await listRequests("?pageSize=1000");
    expect(badPage.status).toBe(400);
    await expectContract(badPage, list);
  });

  it("retry, cancel and delete: 202, 204, 404 and 409", async () => {
    const slow = await uploadCsv(productCsv(["Slow", images.url("/slow.jpg")]));
    const { requestId } = await slow.json();
    expect((await expectContract(await retryRequest(requestId), retry)) as object).toMatchObject({
      code: "conflict:processing",
    });
    const cancelled = await cancelRequest(requestId);
    expect(cancelled.status).toBe(202);
    expect(await expectContract(cancelled, cancel)).toMatchObject({ status: "cancelled" });
    await settle(requestId);
    const again = await cancelRequest(requestId);
    expect(again.status).toBe(409);
    await expectContract(again, cancel);

    const failed = await uploadCsv(csv);
    const failedId = (await failed.json()).requestId;
    await settle(failedId);
    const retried = await retryRequest(failedId);
    expect(retried.status).toBe(202);
    expect(await expectContract(retried, retry)).toMatchObject({ status: "processing" });
    await settle(failedId);
    await expectContract(await getStatus(failedId), status);

    const deleted = await deleteRequest(requestId);
    expect(deleted.status).toBe(204);
    await expectContract(deleted, remove);
    const gone = await deleteRequest(requestId);
    expect(gone.status).toBe(404);
    await expectContract(gone, remove);
    for (const [call, operation] of [
      [retryRequest, retry],
      [cancelRequest, cancel],
    ] as const) {
      const unknown = await call(requestId);
      expect(unknown.status).toBe(404);
      await expectContract(unknown, operation);
    }
  });

  it("a method a path does not serve: 405 with Allow and a message", async () => {
    const { POST: postStatus } = await import("@/app/api/csv/status/[requestId]/route");
    const { GET: getUpload } = await import("@/app/api/csv/upload/route");
    const wrong = postStatus();
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect(wrong.headers.get("content-type")).toBe("application/problem+json");
    expect(await wrong.json()).toEqual({
      type: "http://127.0.0.1:3999/docs#error-method_not_allowed",
      title: "Method not allowed on this path",
      status: 405,
      detail: "This path answers GET, HEAD, OPTIONS only.",
      error: "This path answers GET, HEAD, OPTIONS only.",
      code: "method_not_allowed",
    });
    expect(getUpload().headers.get("allow")).toBe("POST, OPTIONS");
  });

  it("health and the OpenAPI document itself", async () => {
    const health = await healthRoute();
    expect(health.status).toBe(200);
    await expectContract(health, { method: "get", path: "/api/health" });
    const document = await openApiRoute();
    const body = (await expectContract(document, { method: "get", path: "/api/openapi.json" })) as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, unknown>;
    };
    expect(body.openapi).toBe("3.1.0");
    expect(body.servers[0].url).toBe("http://127.0.0.1:3999");
    // The paths earlier clients call are documented beside the canonical ones.
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(["/upload", "/csv/status/{requestId}", "/download/{requestId}"]),
    );
  });

  it("every operation but the probes lists the 4XX answers it gives, and any other error it may", () => {
    type Operation = { operationId: string; responses: Record<string, { content?: object }> };
    const paths = openApiDocument().paths as Record<string, Record<string, Operation>>;
    const operations = Object.values(paths).flatMap((methods) => Object.values(methods));
    const apiOperations = operations.filter((operation) => !PROBE_OPERATIONS.has(operation.operationId));
    expect(apiOperations.length).toBeGreaterThan(20);
    for (const { operationId, responses } of apiOperations) {
      expect(
        Object.keys(responses).filter((code) => code.startsWith("4")),
        operationId,
      ).not.toEqual([]);
      expect(responses.default?.content, operationId).toHaveProperty(["application/problem+json"]);
    }
    // The probes refuse nobody and report their dependencies themselves.
    const probes = operations.filter((operation) => PROBE_OPERATIONS.has(operation.operationId));
    expect(probes.map((probe) => probe.operationId).sort()).toEqual([...PROBE_OPERATIONS].sort());
  });
});
