"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { RequestStatus, RequestStatusLight } from "@/lib/contract";
import { fetchRequestProgress, fetchRequestStatus, queryKeys } from "@/components/api/client";
import { useServerSeededQuery } from "./use-server-seeded-query";

const POLL_MS = 1_000;
// The webhook is called just after the request finishes and may be retried for minutes.
const WEBHOOK_POLL_MS = 5_000;

/**
 * A request's status and one page of its products. The cheap counters-only form is polled every
 * second while processing, then every few seconds while the webhook is being delivered, then not at
 * all; the page of products is fetched again only when the counters show the request changed.
 */
export function useRequestStatus({ initialStatus, fetchedAt }: { initialStatus: RequestStatus; fetchedAt: number }) {
  const { requestId, imageStatus } = initialStatus;
  const { page, pageSize } = initialStatus.pagination;

  const progress = useServerSeededQuery<RequestStatusLight>({
    queryKey: queryKeys.requestProgress(requestId),
    queryFn: ({ signal }) => fetchRequestProgress({ requestId, signal }),
    initialData: initialStatus,
    fetchedAt,
    refetchInterval: (status) =>
      // Until `completedAt`: a cancelled request's images under way may still finish.
      status && status.completedAt === null ? POLL_MS : status?.webhook?.status === "pending" ? WEBHOOK_POLL_MS : false,
  });

  // `updatedAt` moves with every change to the request: a new value means a new page to show.
  const version = progress.data.updatedAt;
  const products = useQuery({
    queryKey: queryKeys.requestStatus(requestId, page, pageSize, version, imageStatus),
    queryFn: ({ signal }) => fetchRequestStatus({ requestId, page, pageSize, imageStatus, signal }),
    initialData: version === initialStatus.updatedAt ? initialStatus : undefined,
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });

  const shown = products.data ?? initialStatus;
  return {
    // The counters are the fresher of the two; the products are the page's.
    data: { ...shown, ...progress.data } satisfies RequestStatus,
    isError: progress.isError || products.isError,
    error: progress.error ?? products.error,
    isFetching: progress.isFetching || products.isFetching,
    refetch: () => Promise.all([progress.refetch(), products.refetch()]),
  };
}
