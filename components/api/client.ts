import type { z } from "zod";
import {
  ApiKeyList,
  CreatedApiKey,
  ErrorMessage,
  RequestList,
  RequestStatus,
  RequestSummary,
  RequestStatusLight,
  Session,
  type ImageFilterState,
  type TrialRequest,
  TrialResult,
} from "@/lib/contract";

/** Browser-side calls to the service's JSON API and the React Query keys they are cached under. */

export const queryKeys = {
  requestList: (page: number, pageSize: number) => ["requests", { page, pageSize }] as const,
  requestProgress: (requestId: string) => ["request-progress", requestId] as const,
  requestStatus: (
    requestId: string,
    page: number,
    pageSize: number,
    version: string,
    imageStatus: ImageFilterState | null = null,
  ) => ["request-status", requestId, { page, pageSize, version, imageStatus }] as const,
  apiKeys: () => ["api-keys"] as const,
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

/** Shown instead of a page built from an answer the dashboard does not understand. */
export const UNEXPECTED_ANSWER =
  "The server sent an answer this page does not understand. Reload the page; if it keeps happening, the server and the dashboard are out of step.";

/** Checks a response body against its contract schema; a mismatch is an error, never rendered. */
export function parseAnswer<T extends z.ZodType>(schema: T, body: unknown, status: number): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new ApiError(UNEXPECTED_ANSWER, status);
  return result.data;
}

async function getJson<T extends z.ZodType>(url: string, schema: T, signal?: AbortSignal): Promise<z.output<T>> {
  // "no-cache": the browser asks again every time, sending the ETag it has; an unchanged status is a 304.
  const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-cache", signal });
  return parseAnswer(schema, await bodyOf(response), response.status);
}

/** A response's JSON body (null when it has none); an error answer becomes an ApiError with the server's message. */
async function bodyOf(response: Response): Promise<unknown> {
  const body: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = ErrorMessage.safeParse(body);
    throw new ApiError(error.success ? error.data.error : `The server answered ${response.status}.`, response.status);
  }
  return body;
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
  return getJson(`/api/csv/requests?page=${page}&pageSize=${pageSize}`, RequestList, signal);
}

export function fetchRequestStatus({
  requestId,
  page,
  pageSize,
  imageStatus = null,
  signal,
}: {
  requestId: string;
  page: number;
  pageSize: number;
  /** Only the images in this state. */
  imageStatus?: ImageFilterState | null;
  signal?: AbortSignal;
}): Promise<RequestStatus> {
  const filter = imageStatus ? `&imageStatus=${imageStatus}` : "";
  return getJson(
    `/api/csv/status/${encodeURIComponent(requestId)}?page=${page}&pageSize=${pageSize}${filter}`,
    RequestStatus,
    signal,
  );
}

/** The counters alone (`products=0`): what the request page polls. */
export function fetchRequestProgress({
  requestId,
  signal,
}: {
  requestId: string;
  signal?: AbortSignal;
}): Promise<RequestStatusLight> {
  return getJson(`/api/csv/status/${encodeURIComponent(requestId)}?products=0`, RequestStatusLight, signal);
}

/** A JSON call that changes something. */
async function send<T extends z.ZodType>(
  method: "POST" | "DELETE",
  url: string,
  body: unknown,
  schema: T | null,
): Promise<z.output<T> | null> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await bodyOf(response);
  return schema ? parseAnswer(schema, answer, response.status) : null;
}

/** Keys mode: signs the dashboard in with an API key; the server sets the session cookie. */
export async function signIn(apiKey: string): Promise<Session> {
  return (await send("POST", "/api/session", { apiKey }, Session))!;
}

export async function signOut(): Promise<void> {
  await send("DELETE", "/api/session", undefined, null);
}

export function fetchApiKeys(): Promise<ApiKeyList> {
  return getJson("/api/keys", ApiKeyList);
}

export async function createApiKey(name: string): Promise<CreatedApiKey> {
  return (await send("POST", "/api/keys", { name: name.trim() || undefined }, CreatedApiKey))!;
}

export async function revokeApiKey(prefix: string): Promise<void> {
  await send("DELETE", `/api/keys/${encodeURIComponent(prefix)}`, undefined, null);
}

/** Puts a finished request's failed images back in line. */
export async function retryRequest(requestId: string): Promise<RequestSummary> {
  return (await send("POST", `/api/csv/requests/${encodeURIComponent(requestId)}/retry`, undefined, RequestSummary))!;
}

/** Stops a processing request: nothing more of it starts. */
export async function cancelRequest(requestId: string): Promise<RequestSummary> {
  return (await send("POST", `/api/csv/requests/${encodeURIComponent(requestId)}/cancel`, undefined, RequestSummary))!;
}

/** Deletes a request and every file of it. */
export async function deleteRequest(requestId: string): Promise<void> {
  await send("DELETE", `/api/csv/requests/${encodeURIComponent(requestId)}`, undefined, null);
}

/** Compresses a few images with the chosen options, keeping nothing: the seller judges before uploading. */
export async function tryImages(trial: TrialRequest): Promise<TrialResult> {
  return (await send("POST", "/api/csv/trial", trial, TrialResult))!;
}
