import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// One origin is allowed to call the API from its pages; every other origin is not.
vi.hoisted(() => {
  process.env.CORS_ALLOW_ORIGINS = "https://shop.example";
});

import { GET as filesGet, OPTIONS as filesOptions } from "@/app/files/[...key]/route";
import { OPTIONS as requestOptions } from "@/app/api/csv/requests/[requestId]/route";
import { GET as statusGet, OPTIONS as statusOptions } from "@/app/api/csv/status/[requestId]/route";
import { OPTIONS as uploadOptions, PUT as uploadPut } from "@/app/api/csv/upload/route";
import { BROWSER, cancelRequest, getRequest, getStatus, settle, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

const ORIGIN = "http://127.0.0.1:3999";
const LISTED = "https://shop.example";
const OTHER = "https://elsewhere.example";
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

let images: ImageServer;
let requestId: string;

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(), "image/jpeg"));
  const accepted = await uploadCsv(productCsv(["Shirt", images.url("/a.jpg")]));
  requestId = (await accepted.json()).requestId;
  await settle(requestId);
});

afterAll(() => images.close());

const params = (id: string) => ({ params: Promise.resolve({ requestId: id }) });

function preflight(path: string, origin: string, method: string, headers = "authorization") {
  return new Request(`${ORIGIN}${path}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers },
  });
}

/** The RFC 9457 members of a problem answer, checked beside the fields clients read before. */
async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = await response.json();
  expect(body).toMatchObject({ type: `${ORIGIN}/docs#error-${code}`, code, detail: body.error });
  expect(typeof body.title).toBe("string");
  expect(body.title.length).toBeGreaterThan(0);
  return body;
}

describe("errors are RFC 9457 problem details, with the fields clients read before", () => {
  it("an unknown request: 404", async () => {
    const body = await expectProblem(await getStatus(UNKNOWN_ID), 404, "not_found:request");
    expect(body).toEqual({
      type: `${ORIGIN}/docs#error-not_found:request`,
      title: "No such request",
      status: 404,
      detail: `No request with id "${UNKNOWN_ID}".`,
      error: `No request with id "${UNKNOWN_ID}".`,
      code: "not_found:request",
    });
  });

  it("a bad query parameter: 400", async () => {
    const body = await expectProblem(await getStatus(requestId, "?pageSize=0"), 400, "bad_request:parameter");
    expect(body.status).toBe(400);
    expect(body.error).toContain("pageSize must be a whole number");
  });

  it("an invalid CSV: 400 that keeps isValid and every row's problem", async () => {
    const refused = await uploadCsv(productCsv(["", "https://shop.test/a.jpg"]));
    const body = await expectProblem(refused.clone(), 400, "bad_request:csv");
    expect(body).toMatchObject({ status: 400, isValid: false, errorCount: 1 });
    expect(body.errors[0]).toMatchObject({ row: 2, column: "Product Name" });
    await expectContract(refused, { method: "post", path: "/api/csv/upload" });
  });

  it("an action on a finished request: 409 whose status stays the request's state", async () => {
    const refused = await cancelRequest(requestId);
    const body = await expectProblem(refused.clone(), 409, "conflict:finished");
    // RFC 9457 readers ignore a `status` that is not a number; earlier clients read the state here.
    expect(body).toMatchObject({ status: "completed", requestId, title: "The request is already finished" });
    await expectContract(refused, { method: "post", path: "/api/csv/requests/{requestId}/cancel" });
  });

  it("a write from another site: 403; a method the path does not serve: 405", async () => {
    const crossSite = await uploadCsv(productCsv(["Shirt", images.url("/a.jpg")]), {
      as: { ...BROWSER, origin: OTHER, "sec-fetch-site": "cross-site" },
    });
    expect((await expectProblem(crossSite, 403, "forbidden:cross_site")).status).toBe(403);
    const wrong = uploadPut(new Request(`${ORIGIN}/api/csv/upload`, { method: "PUT" }));
    expect((await expectProblem(wrong, 405, "method_not_allowed")).status).toBe(405);
  });
});

describe("Allow lists what each path answers", () => {
  it("on OPTIONS and on 405", async () => {
    const cases = [
      [uploadOptions, "/api/csv/upload", "POST, OPTIONS"],
      [statusOptions, `/api/csv/status/${requestId}`, "GET, HEAD, OPTIONS"],
      [requestOptions, `/api/csv/requests/${requestId}`, "GET, HEAD, DELETE, OPTIONS"],
      [filesOptions, "/files/images/a/b.jpg", "GET, HEAD, OPTIONS"],
    ] as const;
    for (const [options, path, allow] of cases) {
      const answer = options(new Request(`${ORIGIN}${path}`, { method: "OPTIONS" }));
      expect(answer.status, path).toBe(204);
      expect(answer.headers.get("allow"), path).toBe(allow);
    }
    const wrong = uploadPut(new Request(`${ORIGIN}/api/csv/upload`, { method: "PUT" }));
    expect(wrong.headers.get("allow")).toBe("POST, OPTIONS");
  });
});

describe("CORS for the origins CORS_ALLOW_ORIGINS lists", () => {
  it("a preflight from a listed origin is answered with what it may send", () => {
    const answer = uploadOptions(preflight("/api/csv/upload", LISTED, "POST", "authorization, idempotency-key"));
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe(LISTED);
    expect(answer.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
    expect(answer.headers.get("access-control-allow-headers")).toContain("Authorization");
    expect(answer.headers.get("access-control-allow-headers")).toContain("Idempotency-Key");
    expect(answer.headers.get("access-control-max-age")).toBe("600");
    expect(answer.headers.get("vary")).toContain("Origin");
    // Cookies never cross origins here: no credentials.
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("a preflight from another origin, or for a method the path does not serve, gets nothing", () => {
    for (const answer of [
      uploadOptions(preflight("/api/csv/upload", OTHER, "POST")),
      uploadOptions(preflight("/api/csv/upload", LISTED, "DELETE")),
    ]) {
      expect(answer.status).toBe(204);
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
      expect(answer.headers.get("access-control-allow-methods")).toBeNull();
      expect(answer.headers.get("allow")).toBe("POST, OPTIONS");
    }
  });

  it("actual answers let a listed origin read them, and vary by Origin", async () => {
    const listed = await getStatus(requestId, "", undefined, { origin: LISTED });
    expect(listed.status).toBe(200);
    expect(listed.headers.get("access-control-allow-origin")).toBe(LISTED);
    expect(listed.headers.get("access-control-expose-headers")).toContain("ETag");
    expect(listed.headers.get("vary")).toContain("Origin");

    const other = await getStatus(requestId, "", undefined, { origin: OTHER });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toContain("Origin");

    // An error is readable by the listed origin's page too.
    const missing = await getStatus(UNKNOWN_ID, "", undefined, { origin: LISTED });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe(LISTED);
  });

  it("a listed origin's page uploads without cookies; with the visitor's cookies it is refused", async () => {
    const csv = productCsv(["Shirt", images.url("/a.jpg")]);
    const fromShop = { origin: LISTED, "sec-fetch-site": "cross-site" };
    const accepted = await uploadCsv(csv, { as: fromShop });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("access-control-allow-origin")).toBe(LISTED);
    await settle((await accepted.json()).requestId);

    const withCookies = await uploadCsv(csv, { as: { ...fromShop, ...BROWSER } });
    expect(withCookies.status).toBe(403);
    const fromOther = await uploadCsv(csv, { as: { origin: OTHER, "sec-fetch-site": "cross-site" } });
    expect(fromOther.status).toBe(403);
    expect(fromOther.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("the request as a resource: GET /api/csv/requests/:requestId", () => {
  it("answers the status, with its ETag, and 404 for an unknown id", async () => {
    const resource = await getRequest(requestId);
    expect(resource.status).toBe(200);
    const body = await expectContract(resource.clone(), { method: "get", path: "/api/csv/requests/{requestId}" });
    expect(body).toEqual(await (await getStatus(requestId)).json());
    expect(resource.headers.get("etag")).toBe((await getStatus(requestId)).headers.get("etag"));
    const light = (await (await getRequest(requestId, BROWSER, "?products=0")).json()) as Record<string, unknown>;
    expect(light).not.toHaveProperty("products");

    const missing = await getRequest(UNKNOWN_ID);
    await expectProblem(missing.clone(), 404, "not_found:request");
    await expectContract(missing, { method: "get", path: "/api/csv/requests/{requestId}" });
  });
});

describe("If-None-Match as RFC 9110 says", () => {
  const conditional = (etag: string, path: "status" | "requests") => {
    const headers = { "if-none-match": etag };
    return path === "status"
      ? statusGet(new Request(`${ORIGIN}/api/csv/status/${requestId}`, { headers }), params(requestId))
      : getRequest(requestId, headers);
  };

  it("a list, *, and a weak tag match; other tags do not", async () => {
    const etag = (await getStatus(requestId)).headers.get("etag")!;
    for (const path of ["status", "requests"] as const) {
      for (const form of [etag, `"other", ${etag}`, `W/${etag}`, `"a",W/${etag} , "b"`, "*"]) {
        const answer = await conditional(form, path);
        expect(answer.status, `${path}: ${form}`).toBe(304);
        expect(answer.headers.get("etag")).toBe(etag);
        expect(await answer.text()).toBe("");
      }
      for (const form of ['"other"', `"x", W/"y"`, etag.slice(0, -2) + '"', ""]) {
        expect((await conditional(form, path)).status, `${path}: ${form}`).toBe(200);
      }
    }
  });

  it("a stored file answers If-None-Match forms the same way", async () => {
    const status = await settle(requestId);
    const url = new URL(status.products[0].images[0].outputUrl!);
    const key = url.pathname.replace(/^\/files\//, "").split("/");
    const get = (headers: Record<string, string>) =>
      filesGet(new Request(url, { headers }), { params: Promise.resolve({ key }) });
    const etag = (await get({})).headers.get("etag")!;
    expect(etag).toMatch(/^"[^"]+"$/);
    for (const form of [`"x", ${etag}`, `W/${etag}`, "*"])
      expect((await get({ "if-none-match": form })).status).toBe(304);
    expect((await get({ "if-none-match": '"x"' })).status).toBe(200);
  });
});
