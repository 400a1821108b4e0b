import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { cache } from "react";
import { pageNumber } from "@/components/ui/page-number";
import { DatabaseUnavailable } from "@/components/ui/database-unavailable";
import { RequestStatusView } from "@/components/request-status-view";
import { loadSeed } from "@/components/api/server-seed";
import { identifyPageClient } from "@/lib/auth/identify-client";
import { loadPageData } from "@/lib/database/page-data";
import { getRequestPageStatus } from "@/lib/requests/status";
import { ImageFilterState } from "@/lib/contract";

type Props = {
  params: Promise<{ requestId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

const PAGE_SIZE = 20;

// Metadata and page ask for the same status; one database round trip serves both.
const loadStatus = cache((requestId: string, page: number, imageStatus: ImageFilterState | undefined) =>
  loadPageData(async () => {
    const client = await identifyPageClient();
    return loadSeed(() => getRequestPageStatus(client, { requestId, page, pageSize: PAGE_SIZE, imageStatus }));
  }),
);

/** `?imageStatus=failed`: only the images in that state; any other value shows them all. */
function imageFilterOf(value: string | string[] | undefined): ImageFilterState | undefined {
  const parsed = ImageFilterState.safeParse(Array.isArray(value) ? value[0] : value);
  return parsed.success ? parsed.data : undefined;
}

export async function generateMetadata({ params, searchParams }: Props): Promise<Metadata> {
  await connection();
  const [{ requestId }, search] = await Promise.all([params, searchParams]);
  const loaded = await loadStatus(requestId, pageNumber(search.page), imageFilterOf(search.imageStatus));
  if (!loaded.ok) return { title: "Database unavailable" };
  return { title: loaded.data.data ? loaded.data.data.status.fileName : "Request not found" };
}

export default async function RequestPage({ params, searchParams }: Props) {
  await connection();
  const [{ requestId }, search] = await Promise.all([params, searchParams]);
  const page = pageNumber(search.page);
  const loaded = await loadStatus(requestId, page, imageFilterOf(search.imageStatus));
  if (!loaded.ok) return <DatabaseUnavailable retryHref={`/requests/${encodeURIComponent(requestId)}`} />;
  const { data: view, fetchedAt } = loaded.data;
  if (!view) notFound();
  return (
    <RequestStatusView
      initialStatus={view.status}
      changeable={view.changeable}
      webhookSecret={view.webhookSecret}
      fetchedAt={fetchedAt}
    />
  );
}
