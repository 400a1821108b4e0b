import { expect, type APIRequestContext } from "@playwright/test";
import type { RequestList, RequestStatus, UploadAccepted } from "../../lib/contract";

/** The service's JSON API, for arranging and checking state around browser steps. */

export async function uploadCsv(
  request: APIRequestContext,
  { name, csv, quality, webhookUrl }: { name: string; csv: string; quality?: number; webhookUrl?: string },
) {
  const multipart: Record<string, string | { name: string; mimeType: string; buffer: Buffer }> = {
    file: { name, mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") },
  };
  if (quality !== undefined) multipart.quality = String(quality);
  if (webhookUrl !== undefined) multipart.webhookUrl = webhookUrl;
  const response = await request.post("/api/csv/upload", { multipart });
  expect(response.status(), await response.text()).toBe(202);
  return (await response.json()) as UploadAccepted;
}

export async function listRequests(request: APIRequestContext, { page = 1, pageSize = 20 } = {}): Promise<RequestList> {
  const response = await request.get(`/api/csv/requests?page=${page}&pageSize=${pageSize}`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as RequestList;
}

export async function getStatus(request: APIRequestContext, requestId: string): Promise<RequestStatus> {
  const response = await request.get(`/api/csv/status/${encodeURIComponent(requestId)}`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as RequestStatus;
}

/** Polls the status API until the request is no longer processing. */
export async function waitUntilFinished(
  request: APIRequestContext,
  requestId: string,
  timeout = 60_000,
): Promise<RequestStatus> {
  let last: RequestStatus | null = null;
  await expect
    .poll(
      async () => {
        last = await getStatus(request, requestId);
        return last.status;
      },
      { timeout, intervals: [250, 500, 1000] },
    )
    .not.toBe("processing");
  return last!;
}
