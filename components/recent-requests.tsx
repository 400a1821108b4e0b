"use client";

import Link from "next/link";
import type { RequestList, RequestSummary } from "@/lib/contract";
import { formatBytes, formatCount, formatSaving, savingRatio } from "@/lib/format";
import { PaginationNav } from "@/components/ui/pagination-nav";
import { ProgressBar } from "@/components/ui/progress-bar";
import { RelativeTime } from "@/components/ui/relative-time";
import { RequestActions } from "./request-actions";
import { StatusBadge } from "@/components/ui/status-badge";
import { DownloadIcon } from "@/components/ui/icons";
import { useRecentRequests } from "@/components/hooks/use-recent-requests";

/** The latest uploads with their progress; refreshes itself while any of them is processing. */
export function RecentRequests({ initialList, fetchedAt }: { initialList: RequestList; fetchedAt: number }) {
  const { data: list, isError, isFetching } = useRecentRequests({ initialList, fetchedAt });
  const processing = list.requests.some((request) => request.completedAt === null);

  return (
    <section aria-labelledby="recent-requests-title" className="space-y-3">
      <div className="flex items-end justify-between gap-3">
        <div>
          <h2 id="recent-requests-title" className="text-lg font-semibold tracking-tight">
            Recent uploads
          </h2>
          <p className="text-sm text-slate-500">
            {list.pagination.totalItems === 0
              ? "Your uploads and their progress appear here."
              : processing
                ? "Updating live while images are being compressed."
                : `${formatCount(list.pagination.totalItems)} ${list.pagination.totalItems === 1 ? "upload" : "uploads"} so far.`}
          </p>
        </div>
        {processing ? (
          <span className="flex items-center gap-1.5 text-xs text-slate-500" aria-hidden={!isFetching}>
            <span className="size-2 animate-pulse rounded-full bg-amber-500" /> Live
          </span>
        ) : null}
      </div>

      {isError ? (
        <p
          role="status"
          className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-600/20 ring-inset"
        >
          Could not refresh the list just now; showing the last known progress. It will retry on its own.
        </p>
      ) : null}

      {list.requests.length === 0 ? (
        <div
          data-testid="recent-requests-empty"
          className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center"
        >
          <p className="font-medium text-slate-800">No uploads yet</p>
          <p className="mt-1 text-sm text-slate-500">Drop a CSV above and its progress will show up here.</p>
        </div>
      ) : (
        <ul
          data-testid="recent-requests"
          className="divide-y divide-slate-100 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
        >
          {list.requests.map((request) => (
            <RequestItem key={request.requestId} request={request} />
          ))}
        </ul>
      )}

      <PaginationNav
        pagination={list.pagination}
        href={(page) => (page === 1 ? "/" : `/?page=${page}`)}
        label="Recent uploads pages"
        itemName="Uploads"
      />
    </section>
  );
}

function RequestItem({ request }: { request: RequestSummary }) {
  const { progress, totals } = request;
  const ratio = savingRatio(totals.bytesIn, totals.bytesOut);
  const href = `/requests/${encodeURIComponent(request.requestId)}`;
  return (
    <li
      data-testid="recent-request"
      data-request-id={request.requestId}
      className="group relative px-4 py-3 hover:bg-slate-50 sm:px-5"
    >
      <div className="grid gap-x-6 gap-y-2 sm:grid-cols-[minmax(0,1fr)_minmax(0,16rem)_7rem] sm:items-center">
        <div className="min-w-0">
          <div className="flex items-center gap-2">
            <Link
              href={href}
              className="truncate font-medium text-slate-900 after:absolute after:inset-0 hover:text-indigo-700"
              title={request.fileName}
            >
              {request.fileName}
            </Link>
            <StatusBadge status={request.status} />
          </div>
          <p className="mt-0.5 text-xs text-slate-500">
            <RelativeTime iso={request.createdAt} /> · {formatCount(request.totalProducts)}{" "}
            {request.totalProducts === 1 ? "product" : "products"}
          </p>
          {/* Every request listed is the caller's own: its actions are offered. */}
          <div className="mt-2 flex flex-wrap items-start gap-2 sm:[&_[data-testid=request-actions]]:justify-start">
            {request.completedAt !== null ? (
              <a
                href={request.downloadUrl}
                download
                data-testid="recent-download"
                className="relative z-10 inline-flex items-center justify-center gap-1 rounded-lg bg-indigo-600 px-2 py-1 text-xs font-medium text-white shadow-xs hover:bg-indigo-500"
              >
                <DownloadIcon className="size-3.5" />
                Download CSV<span className="sr-only"> of {request.fileName}</span>
              </a>
            ) : null}
            <RequestActions request={request} size="sm" />
          </div>
        </div>
        <div className="space-y-1">
          <ProgressBar
            progress={progress}
            active={request.status === "processing"}
            label={`Progress of ${request.fileName}`}
            size="sm"
          />
          <p className="flex justify-between gap-2 text-xs text-slate-500 tabular-nums">
            <span>
              <span className="text-slate-700">{formatCount(progress.processedImages)}</span> processed
              {progress.failedImages > 0 ? (
                <>
                  {" · "}
                  <span className="text-rose-700">{formatCount(progress.failedImages)} failed</span>
                </>
              ) : null}
              {progress.cancelledImages > 0 ? (
                <>
                  {" · "}
                  <span className="text-zinc-600">{formatCount(progress.cancelledImages)} cancelled</span>
                </>
              ) : null}
            </span>
            <span>
              {formatCount(progress.totalImages)} total · {progress.percent}%
            </span>
          </p>
        </div>
        <div className="text-xs text-slate-500 sm:text-right">
          {ratio !== null ? (
            <>
              <span className="text-sm font-semibold text-emerald-700">{formatSaving(ratio)}</span> saved
              <span className="block">{formatBytes(totals.bytesIn - totals.bytesOut)} smaller</span>
            </>
          ) : (
            <span>{request.status === "processing" ? "Saving so far: —" : "No savings"}</span>
          )}
        </div>
      </div>
    </li>
  );
}
