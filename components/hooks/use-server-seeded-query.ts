"use client";

import { useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useEffect } from "react";

/**
 * A query whose first data was loaded by the server component that rendered the page.
 * When the page is rendered again (a navigation back after an upload), the server's copy replaces an
 * older cached one instead of showing stale numbers until the next poll.
 */
export function useServerSeededQuery<T extends object>({
  queryKey,
  queryFn,
  initialData,
  fetchedAt,
  refetchInterval,
}: {
  queryKey: QueryKey;
  queryFn: (context: { signal: AbortSignal }) => Promise<T>;
  initialData: T;
  fetchedAt: number;
  refetchInterval: (data: T | undefined) => number | false;
}) {
  const queryClient = useQueryClient();
  useEffect(() => {
    const state = queryClient.getQueryState(queryKey);
    if (state && state.dataUpdatedAt < fetchedAt)
      queryClient.setQueryData(queryKey, initialData, { updatedAt: fetchedAt });
    // Idempotent: once the server's copy is in, `dataUpdatedAt` is no longer older, so running again
    // for a new (equal) key array changes nothing.
  }, [queryClient, queryKey, initialData, fetchedAt]);

  return useQuery({
    queryKey,
    queryFn,
    initialData,
    initialDataUpdatedAt: fetchedAt,
    refetchInterval: (query) => refetchInterval(query.state.data),
    refetchIntervalInBackground: false,
  });
}
