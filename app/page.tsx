import { redirect } from "next/navigation";
import { connection } from "next/server";
import { DatabaseUnavailable } from "@/components/ui/database-unavailable";
import { RecentRequests } from "@/components/recent-requests";
import { SampleCsvDownload } from "@/components/upload/sample-csv-download";
import { UploadPanel } from "@/components/upload/upload-panel";
import { pageNumber } from "@/components/ui/page-number";
import { loadSeed } from "@/components/api/server-seed";
import { identifyPageClient } from "@/lib/auth/identify-client";
import { config } from "@/lib/config";
import { loadPageData } from "@/lib/database/page-data";
import { listRequests } from "@/lib/requests/list-requests";
import { loadSavings } from "@/lib/requests/savings";
import { SavingsChart } from "@/components/savings-chart";

const PAGE_SIZE = 10;
const SAVINGS_DAYS = 30;

export default async function HomePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // Rendered per request: the list comes from the database, which `next build` must not need.
  await connection();
  const page = pageNumber((await searchParams).page);
  const loaded = await loadPageData(async () => {
    const client = await identifyPageClient();
    const [seed, savings] = await Promise.all([
      loadSeed(() => listRequests(client, { page, pageSize: PAGE_SIZE })),
      loadSavings(client, { days: SAVINGS_DAYS }),
    ]);
    return { ...seed, savings };
  });
  if (!loaded.ok) return <DatabaseUnavailable retryHref={page > 1 ? `/?page=${page}` : "/"} />;
  const { data: list, fetchedAt, savings } = loaded.data;
  if (list.requests.length === 0 && page > list.pagination.totalPages)
    redirect(list.pagination.totalPages > 1 ? `/?page=${list.pagination.totalPages}` : "/");
  const { maxBytes, maxRows, maxUrlsPerRow, maxImages, maxProductNameLength } = config.csv;
  const limits = { maxBytes, maxRows, maxUrlsPerRow, maxImages, maxProductNameLength };

  return (
    <div className="space-y-10">
      <div className="max-w-3xl">
        <h1 className="text-2xl font-semibold tracking-tight text-balance sm:text-3xl">
          Compress every product image in your catalogue
        </h1>
        <p className="mt-2 text-slate-600 text-pretty">
          Drop a CSV with your products&apos; image URLs. Each image is downloaded, re-encoded at quality{" "}
          {config.images.defaultQuality} in its own format, and you get a new CSV that points to the compressed copies.
        </p>
      </div>

      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem] lg:items-start">
        <section
          aria-labelledby="upload-title"
          className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6"
        >
          <h2 id="upload-title" className="mb-4 text-lg font-semibold tracking-tight">
            Upload a CSV
          </h2>
          <UploadPanel limits={limits} defaultQuality={config.images.defaultQuality} />
        </section>

        <aside
          aria-labelledby="how-title"
          className="space-y-4 rounded-2xl border border-slate-200 bg-white p-4 text-sm shadow-sm sm:p-6"
        >
          <h2 id="how-title" className="text-base font-semibold tracking-tight">
            How it works
          </h2>
          <ol className="space-y-3">
            {[
              [
                "Prepare",
                "One row per product: S. No., Product Name and Input Image Urls (several URLs in one cell, separated by commas).",
              ],
              ["Check", "The file is checked in your browser first; every problem is listed with its row number."],
              ["Compress", "Images are processed in the background. Watch the progress, or have a webhook call you."],
              ["Download", "Get the CSV back with an Output Image Urls column, in the same row and URL order."],
            ].map(([title, text], index) => (
              <li key={title} className="flex gap-3">
                <span
                  aria-hidden="true"
                  className="grid size-6 shrink-0 place-items-center rounded-full bg-indigo-50 text-xs font-semibold text-indigo-700 ring-1 ring-indigo-600/20"
                >
                  {index + 1}
                </span>
                <p className="text-slate-600">
                  <span className="font-medium text-slate-900">{title}.</span> {text}
                </p>
              </li>
            ))}
          </ol>
          <SampleCsvDownload />
          <p className="text-xs text-slate-500">
            Prefer scripts?{" "}
            <code className="rounded bg-slate-100 px-1 py-0.5 text-[11px]">
              curl -F file=@products.csv …/api/csv/upload
            </code>{" "}
            — see the{" "}
            <a href="/docs" className="font-medium text-indigo-700 underline-offset-2 hover:underline">
              API docs
            </a>
            .
          </p>
        </aside>
      </div>

      {/* Once there is something to show: an empty chart says less than the empty list below. */}
      {savings.totals.requests > 0 ? <SavingsChart savings={savings} /> : null}

      <RecentRequests initialList={list} fetchedAt={fetchedAt} />
    </div>
  );
}
