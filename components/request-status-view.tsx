"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import type { Activity, OutputOptions, RequestStatus, WebhookDelivery } from "@/lib/contract";
import { WarningIcon } from "@/components/ui/icons";
import { formatBytes, formatCount, formatDuration, formatSaving, plural, savingRatio } from "@/lib/format";
import { PaginationNav } from "@/components/ui/pagination-nav";
import { FORMAT_LABELS, fitText, targetSizeText } from "@/components/upload/output-options-fields";
import { ProductImagesTable } from "./product-images-table";
import { ProgressBar } from "@/components/ui/progress-bar";
import { RelativeTime } from "@/components/ui/relative-time";
import { RequestActions } from "./request-actions";
import { RequestFiles } from "./request-files";
import { StatusBadge } from "@/components/ui/status-badge";
import { useRequestStatus } from "@/components/hooks/use-request-status";

/** A request's progress, products and output, refreshed every second while it is processing. */
export function RequestStatusView({
  initialStatus,
  changeable,
  webhookSecret,
  fetchedAt,
}: {
  initialStatus: RequestStatus;
  /** Whether this visitor owns the request: retry, cancel and delete are offered. */
  changeable: boolean;
  /** Its owner's: the secret the webhook it chose is signed with. */
  webhookSecret: string | null;
  fetchedAt: number;
}) {
  const router = useRouter();
  const { data: status, isError, error, refetch, isFetching } = useRequestStatus({ initialStatus, fetchedAt });
  // A cancelled request is finished once its images under way are back: `completedAt` says so.
  const finished = status.completedAt !== null;
  const { progress, totals, activity } = status;
  const ratio = savingRatio(totals.bytesIn, totals.bytesOut);
  const failedOnly = status.imageStatus === "failed";
  const pageHref = (page: number) => requestHref(status.requestId, { page, failedOnly });
  useTabTitle(
    finished ? `${STATE_TITLES[status.status]} · ${status.fileName}` : `${progress.percent}% · ${status.fileName}`,
  );

  return (
    <div className="space-y-6">
      <div>
        <Link href="/" className="inline-flex items-center gap-1 rounded text-sm text-slate-500 hover:text-slate-800">
          <span aria-hidden="true">←</span> All uploads
        </Link>
        <div className="mt-2 flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
          <div className="min-w-0">
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
              <h1 className="min-w-0 text-xl font-semibold tracking-tight break-words sm:text-2xl">
                {status.fileName}
              </h1>
              <span data-testid="request-status" data-status={status.status}>
                <StatusBadge status={status.status} />
              </span>
            </div>
            <p className="mt-1 text-sm text-slate-500">
              Uploaded <RelativeTime iso={status.createdAt} /> · quality {status.quality} ·{" "}
              <span data-testid="output-options">{describeOutputOptions(status.options)}</span> ·{" "}
              {plural(status.totalProducts, "product")}
              {status.completedAt ? ` · finished in ${formatDuration(status.createdAt, status.completedAt)}` : ""}
            </p>
            {status.expiresAt ? (
              <p data-testid="expires-at" className="mt-0.5 text-xs text-slate-500">
                Kept until {new Date(status.expiresAt).toLocaleDateString(undefined, { dateStyle: "medium" })}, then
                deleted with its files
              </p>
            ) : null}
            <p className="mt-0.5 font-mono text-xs break-all text-slate-400">Request {status.requestId}</p>
          </div>
          <div className="flex flex-col gap-2 sm:items-end">
            <DownloadButton status={status} />
            <RequestFiles status={status} />
            {changeable ? (
              <RequestActions request={status} onDeleted={() => router.push("/")} />
            ) : (
              // Seen by its link from another browser or device: why the actions are not here.
              <p data-testid="actions-elsewhere" className="max-w-xs text-xs text-slate-500 sm:text-right">
                Retry, cancel and delete are offered in the browser that uploaded this file.
              </p>
            )}
          </div>
        </div>
      </div>

      {status.status === "failed" ? (
        <div
          role="alert"
          data-testid="request-error"
          className="flex items-start gap-2 rounded-xl bg-rose-50 p-4 text-sm text-rose-800 ring-1 ring-rose-600/20 ring-inset"
        >
          <WarningIcon />
          <div>
            <p className="font-semibold">This request failed.</p>
            <p className="mt-0.5">{status.error ?? "None of its images could be processed; see the reasons below."}</p>
          </div>
        </div>
      ) : null}

      {status.status === "cancelled" ? (
        <div
          role="status"
          data-testid="request-cancelled"
          className="rounded-xl bg-zinc-50 p-4 text-sm text-zinc-800 ring-1 ring-zinc-500/20 ring-inset"
        >
          <p className="font-semibold">This request was cancelled.</p>
          <p className="mt-0.5">
            {finished
              ? (status.error ?? "Images not started were not processed.")
              : "Images not started will not be processed; the ones under way are finishing."}{" "}
            The output CSV holds what was done; the other places are left empty.
          </p>
        </div>
      ) : null}

      {isError ? (
        <p
          role="status"
          className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-600/20 ring-inset"
        >
          Could not refresh the progress just now ({error instanceof Error ? error.message : "network error"}). Retrying
          on its own…
        </p>
      ) : null}

      <section
        aria-labelledby="progress-title"
        className="rounded-xl border border-slate-200 bg-white p-4 shadow-xs sm:p-6"
      >
        <div className="flex items-baseline justify-between gap-3">
          <h2 id="progress-title" className="font-semibold">
            {finished ? "All images finished" : "Compressing images…"}
          </h2>
          <p className="text-2xl font-semibold tabular-nums sm:text-3xl">
            <span data-testid="progress-percent">{progress.percent}</span>
            <span className="text-base text-slate-500">%</span>
          </p>
        </div>
        <div className="mt-3">
          <ProgressBar progress={progress} active={!finished} label="Images finished" />
        </div>
        {finished ? null : <PaceText activity={activity} />}
        <dl className="mt-5 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
          <Count label="Compressed" value={progress.processedImages} testId="count-processed" tone="text-emerald-700" />
          <Count
            label="Failed"
            value={progress.failedImages}
            testId="count-failed"
            tone={progress.failedImages ? "text-rose-700" : "text-slate-900"}
          />
          <Count
            label="Under way"
            value={activity.workingImages}
            testId="count-working"
            tone={activity.workingImages ? "text-amber-800" : "text-slate-900"}
          />
          <Count label="Waiting" value={activity.waitingImages} testId="count-waiting" tone="text-slate-900" />
          <Count label="Total images" value={progress.totalImages} testId="count-total" tone="text-slate-900" />
          <div className="rounded-lg bg-emerald-50/70 px-3 py-2 ring-1 ring-emerald-600/15 ring-inset">
            <dt className="text-xs text-slate-500">Total saving</dt>
            <dd data-testid="total-saving" className="text-lg font-semibold text-emerald-700 tabular-nums">
              {ratio === null ? "—" : formatSaving(ratio)}
            </dd>
            <dd className="text-xs text-slate-500 tabular-nums">
              {ratio === null
                ? "shown once images finish"
                : `${formatBytes(totals.bytesIn)} → ${formatBytes(totals.bytesOut)}`}
            </dd>
          </div>
        </dl>
        {progress.reusedImages > 0 ? (
          <p data-testid="reused-note" className="mt-4 text-sm text-slate-600">
            {plural(progress.reusedImages, "image")} came out exactly as in an earlier upload of yours (same image, same
            options): {progress.reusedImages === 1 ? "its output was" : "their outputs were"} copied instead of
            compressed again.
          </p>
        ) : null}
        {finished && progress.failedImages > 0 && status.status === "completed" ? (
          <p className="mt-4 text-sm text-slate-600">
            {plural(progress.failedImages, "image")} could not be processed. In the output CSV their place in{" "}
            <span className="font-medium">Output Image Urls</span> is left empty, so the other URLs keep their
            positions.
          </p>
        ) : null}
      </section>

      {status.webhook ? (
        <WebhookBlock
          webhook={status.webhook}
          secret={webhookSecret}
          finished={finished}
          onRefresh={() => refetch()}
          refreshing={isFetching}
        />
      ) : null}

      <section aria-labelledby="products-title" className="space-y-3">
        <div className="flex items-baseline justify-between gap-3">
          <h2 id="products-title" className="text-lg font-semibold tracking-tight">
            Products
          </h2>
          <p className="text-sm text-slate-500">
            {failedOnly
              ? `${plural(status.pagination.totalItems, "failed image")}`
              : plural(status.pagination.totalItems, "product")}
          </p>
        </div>
        {failedOnly || progress.failedImages > 0 ? (
          <FailedOnlyFilter requestId={status.requestId} failedOnly={failedOnly} failed={progress.failedImages} />
        ) : null}
        <div className="space-y-4">
          {status.products.map((product) => (
            <ProductImagesTable key={product.rowNumber} product={product} />
          ))}
          {failedOnly && status.products.length === 0 ? (
            <p
              data-testid="no-failed-images"
              className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-8 text-center text-sm text-slate-600"
            >
              No image failed{finished ? "." : " so far."}
            </p>
          ) : null}
        </div>
        <PaginationNav
          pagination={status.pagination}
          href={pageHref}
          label={failedOnly ? "Failed image pages" : "Product pages"}
          itemName={failedOnly ? "Failed images" : "Products"}
        />
      </section>
    </div>
  );
}

const STATE_TITLES: Record<RequestStatus["status"], string> = {
  processing: "Processing",
  completed: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** The browser tab says how far the request is, so a seller can follow it from another tab. */
function useTabTitle(title: string) {
  useEffect(() => {
    const before = document.title;
    document.title = title;
    return () => {
      document.title = before;
    };
  }, [title]);
}

function requestHref(requestId: string, { page = 1, failedOnly }: { page?: number; failedOnly: boolean }): string {
  const search = new URLSearchParams();
  if (failedOnly) search.set("imageStatus", "failed");
  if (page > 1) search.set("page", String(page));
  const query = search.toString();
  return `/requests/${encodeURIComponent(requestId)}${query ? `?${query}` : ""}`;
}

/** All products, or only the failed images (in the rows that use them): a link, so it can be shared. */
function FailedOnlyFilter({
  requestId,
  failedOnly,
  failed,
}: {
  requestId: string;
  failedOnly: boolean;
  failed: number;
}) {
  const base = "rounded-md px-3 py-1.5 text-sm font-medium";
  const on = `${base} bg-white text-slate-900 shadow-xs ring-1 ring-slate-300`;
  const off = `${base} text-slate-600 hover:text-slate-900`;
  return (
    <nav aria-label="Which images" data-testid="image-filter" className="inline-flex gap-1 rounded-lg bg-slate-100 p-1">
      <Link
        href={requestHref(requestId, { failedOnly: false })}
        aria-current={failedOnly ? undefined : "page"}
        className={failedOnly ? off : on}
        scroll={false}
      >
        All products
      </Link>
      <Link
        href={requestHref(requestId, { failedOnly: true })}
        aria-current={failedOnly ? "page" : undefined}
        data-testid="failed-only"
        className={failedOnly ? on : off}
        scroll={false}
      >
        Failed only <span className="tabular-nums text-rose-700">({formatCount(failed)})</span>
      </Link>
    </nav>
  );
}

/** "12 images a second · about 4 min left": the pace over the last minute and what it leaves. */
function PaceText({ activity }: { activity: Activity }) {
  const { imagesPerSecond: rate, secondsLeft } = activity;
  const text =
    rate === null
      ? "Measuring the pace…"
      : rate === 0
        ? "No image finished in the last minute"
        : `${formatRate(rate)} ${rate === 1 ? "image" : "images"} a second over the last minute${
            secondsLeft === null ? "" : ` · ${formatTimeLeft(secondsLeft)}`
          }`;
  return (
    <p data-testid="pace" className="mt-2 text-sm text-slate-600 tabular-nums">
      {text}
    </p>
  );
}

function formatRate(rate: number): string {
  return rate >= 10 ? String(Math.round(rate)) : rate >= 1 ? rate.toFixed(1) : rate.toFixed(2);
}

/** Rounded as a person says it: an estimate, not a countdown. */
export function formatTimeLeft(seconds: number): string {
  if (seconds < 60) return seconds <= 10 ? "a few seconds left" : `about ${Math.ceil(seconds / 10) * 10} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  return `about ${hours} h ${minutes % 60} min left`;
}

/** "original format", "WebP, fit 800 × any px": what the images were made into. */
function describeOutputOptions({ format, maxWidth, maxHeight, maxBytes }: OutputOptions): string {
  const formatText =
    format === "keep" ? "original format" : format === "auto" ? "smallest format" : FORMAT_LABELS[format];
  return [formatText, fitText(maxWidth, maxHeight), targetSizeText(maxBytes ?? null)].filter(Boolean).join(", ");
}

function DownloadButton({ status }: { status: RequestStatus }) {
  if (status.completedAt === null) {
    return (
      <p className="max-w-xs rounded-lg bg-slate-100 px-3 py-2 text-sm text-slate-600 sm:text-right">
        The output CSV can be downloaded once every image is finished.
      </p>
    );
  }
  return (
    <a
      href={status.downloadUrl}
      download
      data-testid="download-csv"
      className="inline-flex shrink-0 items-center justify-center gap-2 rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="size-4">
        <path d="M10.75 2.75a.75.75 0 0 0-1.5 0v8.614L6.295 8.235a.75.75 0 1 0-1.09 1.03l4.25 4.5a.75.75 0 0 0 1.09 0l4.25-4.5a.75.75 0 0 0-1.09-1.03l-2.955 3.129V2.75Z" />
        <path d="M3.5 12.75a.75.75 0 0 0-1.5 0v2.5A2.75 2.75 0 0 0 4.75 18h10.5A2.75 2.75 0 0 0 18 15.25v-2.5a.75.75 0 0 0-1.5 0v2.5c0 .69-.56 1.25-1.25 1.25H4.75c-.69 0-1.25-.56-1.25-1.25v-2.5Z" />
      </svg>
      Download output CSV
    </a>
  );
}

function WebhookBlock({
  webhook,
  secret,
  finished,
  onRefresh,
  refreshing,
}: {
  webhook: WebhookDelivery;
  secret: string | null;
  finished: boolean;
  onRefresh: () => void;
  refreshing: boolean;
}) {
  const label = webhook.status === "pending" ? (finished ? "Sending" : "Sent when finished") : undefined;
  return (
    <section
      aria-labelledby="webhook-title"
      data-testid="webhook"
      className="rounded-xl border border-slate-200 bg-white p-4 shadow-xs sm:p-5"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="webhook-title" className="font-semibold">
          Webhook
        </h2>
        <div className="flex items-center gap-2">
          {/* Polling stops when the images are finished; delivery (with its retries) may still be under way. */}
          {finished && webhook.status === "pending" ? (
            <button
              type="button"
              onClick={onRefresh}
              disabled={refreshing}
              className="rounded-md px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 disabled:opacity-50"
            >
              {refreshing ? "Checking…" : "Check again"}
            </button>
          ) : null}
          <span data-testid="webhook-status" data-status={webhook.status}>
            <StatusBadge status={webhook.status} label={label} />
          </span>
        </div>
      </div>
      <dl className="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="text-slate-500">URL</dt>
        <dd className="font-mono text-xs break-all text-slate-700 sm:text-sm">
          {webhook.url ?? "The service's default webhook"}
        </dd>
        {secret ? (
          <>
            <dt className="text-slate-500">Signing secret</dt>
            <dd>
              <code data-testid="webhook-secret" className="font-mono text-xs break-all text-slate-700 select-all">
                {secret}
              </code>
              <p className="mt-0.5 text-xs text-slate-500">
                Deliveries carry a Standard Webhooks signature made with it: verify them with it.
              </p>
            </dd>
          </>
        ) : null}
        <dt className="text-slate-500">Attempts</dt>
        <dd data-testid="webhook-attempts" className="tabular-nums">
          {formatCount(webhook.attempts)}
        </dd>
        {webhook.deliveredAt ? (
          <>
            <dt className="text-slate-500">Delivered</dt>
            <dd>
              <RelativeTime iso={webhook.deliveredAt} />
            </dd>
          </>
        ) : null}
        {webhook.lastError ? (
          <>
            <dt className="text-slate-500">Last error</dt>
            <dd data-testid="webhook-error" className="break-words text-rose-700">
              {webhook.lastError}
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

function Count({ label, value, testId, tone }: { label: string; value: number; testId: string; tone: string }) {
  return (
    <div className="rounded-lg bg-slate-50 px-3 py-2 ring-1 ring-slate-200 ring-inset">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd data-testid={testId} className={`text-lg font-semibold tabular-nums ${tone}`}>
        {formatCount(value)}
      </dd>
    </div>
  );
}
