"use client";

import type { RequestList } from "@/lib/contract";
import { fetchRequestList, queryKeys } from "@/components/api/client";
import { useServerSeededQuery } from "./use-server-seeded-query";

const POLL_MS = 2_000;

/** The recent requests; polled while any of them is still unfinished, quiet otherwise. */
export function useRecentRequests({ initialList, fetchedAt }: { initialList: RequestList; fetchedAt: number }) {
  const { page, pageSize } = initialList.pagination;
  return useServerSeededQuery({
    queryKey: queryKeys.requestList(page, pageSize),
    queryFn: ({ signal }) => fetchRequestList({ page, pageSize, signal }),
    initialData: initialList,
    fetchedAt,
    // Until every request has `completedAt`: a cancelled request's images under way may still finish.
    refetchInterval: (list) => (list?.requests.some((request) => request.completedAt === null) ? POLL_MS : false),
  });
}
