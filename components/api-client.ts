import type { RequestList, RequestStatus } from "@/lib/requests/types";

/** Browser-side calls to the service's JSON API and the React Query keys they are cached under. */

export const queryKeys = {
  requestList: (page: number, pageSize: number) => ["requests", { page, pageSize }] as const,
  requestStatus: (requestId: string, page: number, pageSize: number) =>
    ["request-status", requestId, { page, pageSize }] as const,
};

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", signal });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new ApiError(body?.error ?? `The server answered ${response.status}.`, response.status);
  }
  return (await response.json()) as T;
}

export function fetchRequestList({
  page,
  pageSize,
  signal,
}: {
  page: number;
  pageSize: number;
  signal?: AbortSignal;
}): Promise<RequestList> {
  return getJson(`/api/csv/requests?page=${page}&pageSize=${pageSize}`, signal);
}

export function fetchRequestStatus({
  requestId,
  page,
  pageSize,
  signal,
}: {
  requestId: string;
  page: number;
  pageSize: number;
  signal?: AbortSignal;
}): Promise<RequestStatus> {
  return getJson(`/api/csv/status/${encodeURIComponent(requestId)}?page=${page}&pageSize=${pageSize}`, signal);
}
