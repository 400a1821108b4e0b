import { GET as filesRoute } from "@/app/files/[...key]/route";
import { GET as downloadRoute } from "@/app/api/csv/download/[requestId]/route";
import { GET as failuresRoute } from "@/app/api/csv/requests/[requestId]/failures.csv/route";
import { GET as imagesZipRoute } from "@/app/api/csv/requests/[requestId]/images.zip/route";
import { GET as requestsRoute } from "@/app/api/csv/requests/route";
import { DELETE as deleteRoute, GET as requestRoute } from "@/app/api/csv/requests/[requestId]/route";
import { POST as cancelRoute } from "@/app/api/csv/requests/[requestId]/cancel/route";
import { POST as retryRoute } from "@/app/api/csv/requests/[requestId]/retry/route";
import { GET as statusRoute } from "@/app/api/csv/status/[requestId]/route";
import { POST as uploadRoute } from "@/app/api/csv/upload/route";
import { getInlineRunner } from "@/lib/jobs/inline-runner";
import type { RequestStatus } from "@/lib/contract";

/** Calls the real route handlers the way Next.js does, for integration tests. */

const ORIGIN = "http://127.0.0.1:3999";

/**
 * Who calls: headers sent with every call (a cookie, an API key). By default one browser with its
 * owner cookie, as the dashboard calls; tests of privacy pass others.
 */
export type Caller = Record<string, string>;
export const BROWSER: Caller = { cookie: "cic_owner=test-browser-0000000001" };

export function uploadCsv(
  csv: string | Uint8Array,
  {
    fileName = "products.csv",
    type = "text/csv",
    fields = {} as Record<string, string | string[]>,
    as = BROWSER,
  }: { fileName?: string; type?: string; fields?: Record<string, string | string[]>; as?: Caller } = {},
) {
  const form = new FormData();
  form.set("file", new File([typeof csv === "string" ? csv : Buffer.from(csv)], fileName, { type }));
  // A list is sent as the same field several times (`imageColumns`).
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) form.append(name, one);
  return uploadRoute(new Request(`${ORIGIN}/api/csv/upload`, { method: "POST", body: form, headers: as }));
}

export function getStatus(requestId: string, query = "", etag?: string, as: Caller = BROWSER) {
  const headers = { ...as, ...(etag ? { "if-none-match": etag } : {}) };
  return statusRoute(new Request(`${ORIGIN}/api/csv/status/${requestId}${query}`, { headers }), {
    params: Promise.resolve({ requestId }),
  });
}

/** `GET /api/csv/requests/:requestId`: the request as a resource, answered as status is. */
export function getRequest(requestId: string, as: Caller = BROWSER, query = "") {
  return requestRoute(new Request(`${ORIGIN}/api/csv/requests/${requestId}${query}`, { headers: as }), {
    params: Promise.resolve({ requestId }),
  });
}

export function download(requestId: string, as: Caller = BROWSER) {
  return downloadRoute(new Request(`${ORIGIN}/api/csv/download/${requestId}`, { headers: as }), {
    params: Promise.resolve({ requestId }),
  });
}

export function failuresReport(requestId: string, as: Caller = BROWSER) {
  return failuresRoute(new Request(`${ORIGIN}/api/csv/requests/${requestId}/failures.csv`, { headers: as }), {
    params: Promise.resolve({ requestId }),
  });
}

export function imagesZip(requestId: string, as: Caller = BROWSER) {
  return imagesZipRoute(new Request(`${ORIGIN}/api/csv/requests/${requestId}/images.zip`, { headers: as }), {
    params: Promise.resolve({ requestId }),
  });
}

export function listRequests(query = "", as: Caller = BROWSER) {
  return requestsRoute(new Request(`${ORIGIN}/api/csv/requests${query}`, { headers: as }));
}

export function retryRequest(requestId: string, as: Caller = BROWSER) {
  return retryRoute(new Request(`${ORIGIN}/api/csv/requests/${requestId}/retry`, { method: "POST", headers: as }), {
    params: Promise.resolve({ requestId }),
  });
}

export function cancelRequest(requestId: string, as: Caller = BROWSER) {
  return cancelRoute(new Request(`${ORIGIN}/api/csv/requests/${requestId}/cancel`, { method: "POST", headers: as }), {
    params: Promise.resolve({ requestId }),
  });
}

export function deleteRequest(requestId: string, as: Caller = BROWSER) {
  return deleteRoute(new Request(`${ORIGIN}/api/csv/requests/${requestId}`, { method: "DELETE", headers: as }), {
    params: Promise.resolve({ requestId }),
  });
}

/** A file of local storage by its absolute URL (`…/files/<key>`), as a browser or shop fetches it. */
export function getFile(location: string, as: Caller = BROWSER) {
  const url = new URL(location);
  const key = url.pathname.replace(/^\/files\//, "").split("/");
  return filesRoute(new Request(url, { headers: as }), { params: Promise.resolve({ key }) });
}

/** Waits until the in-process runner has nothing left to do, then returns the request's status. */
export async function settle(requestId: string, as: Caller = BROWSER): Promise<RequestStatus> {
  await getInlineRunner().idle();
  return (await (await getStatus(requestId, "?pageSize=500", undefined, as)).json()) as RequestStatus;
}
