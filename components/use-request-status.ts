"use client";

import type { RequestStatus } from "@/lib/contract";
import { fetchRequestStatus, queryKeys } from "./api-client";
import { useServerSeededQuery } from "./use-server-seeded-query";

const POLL_MS = 1_000;
// The webhook is called just after the request finishes and may be retried for minutes.
const WEBHOOK_POLL_MS = 5_000;

/**
 * A request's status and one page of its products: polled every second while processing, then
 * every few seconds while its webhook is still being delivered, then not at all.
 */
export function useRequestStatus({ initialStatus, fetchedAt }: { initialStatus: RequestStatus; fetchedAt: number }) {
  const { requestId } = initialStatus;
  const { page, pageSize } = initialStatus.pagination;
  return useServerSeededQuery({
    queryKey: queryKeys.requestStatus(requestId, page, pageSize),
    queryFn: ({ signal }) => fetchRequestStatus({ requestId, page, pageSize, signal }),
    initialData: initialStatus,
    fetchedAt,
    refetchInterval: (status) =>
      status?.status === "processing" ? POLL_MS : status?.webhook?.status === "pending" ? WEBHOOK_POLL_MS : false,
  });
}
