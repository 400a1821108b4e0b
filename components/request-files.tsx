import type { RequestStatus } from "@/lib/contract";
import { formatCount } from "@/lib/format";
import { requestFileLinks } from "@/lib/requests/links";

/**
 * The files of a finished request beside its output CSV: every compressed image in one ZIP (when any
 * succeeded) and the failures report (when any failed).
 */
export function RequestFiles({ status }: { status: RequestStatus }) {
  if (status.completedAt === null) return null;
  const { processedImages, failedImages } = status.progress;
  if (processedImages === 0 && failedImages === 0) return null;
  const links = requestFileLinks(status.requestId);
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm sm:justify-end">
      {processedImages > 0 ? (
        <a
          href={links.imagesZipUrl}
          download
          data-testid="download-zip"
          className="inline-flex items-center justify-center rounded-lg bg-white px-3 py-2 font-semibold text-slate-800 shadow-sm ring-1 ring-slate-300 ring-inset hover:bg-slate-50"
        >
          Download images (ZIP)
        </a>
      ) : null}
      {failedImages > 0 ? (
        <a
          href={links.failuresUrl}
          download
          data-testid="download-failures"
          className="inline-flex items-center justify-center rounded-lg bg-white px-3 py-2 font-semibold text-rose-700 shadow-sm ring-1 ring-rose-300 ring-inset hover:bg-rose-50"
        >
          Failures report ({formatCount(failedImages)} {failedImages === 1 ? "image" : "images"})
        </a>
      ) : null}
    </div>
  );
}
