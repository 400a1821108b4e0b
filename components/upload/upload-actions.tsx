import { isUnderWay, type UploadState } from "@/components/hooks/use-csv-upload";
import { formatBytes, plural } from "@/lib/format";

/** The upload button, or the upload's progress (with Cancel while bytes are still being sent). */
export function UploadActions({
  upload,
  disabled,
  hasProblems,
  awaitingColumns,
  imageCount,
  onCancel,
}: {
  upload: UploadState;
  disabled: boolean;
  hasProblems: boolean;
  /** The column choice on screen is not applied yet. */
  awaitingColumns: boolean;
  imageCount: number | null;
  onCancel: () => void;
}) {
  if (isUnderWay(upload)) {
    const percent =
      upload.phase === "uploading" ? (upload.total > 0 ? Math.floor((upload.loaded / upload.total) * 100) : 0) : 100;
    const text =
      upload.phase === "uploading"
        ? `Uploading… ${percent}%${upload.total > 0 ? ` (${formatBytes(upload.loaded)} of ${formatBytes(upload.total)})` : ""}`
        : upload.phase === "processing"
          ? "Uploaded. Checking the file…"
          : "Accepted. Opening the request…";
    return (
      <div data-testid="upload-progress" className="space-y-2" aria-live="polite">
        <div className="flex items-center justify-between gap-3 text-sm">
          <span className="font-medium text-slate-700">{text}</span>
          {upload.phase === "uploading" ? (
            <button
              type="button"
              onClick={onCancel}
              className="rounded-md px-2.5 py-1 text-sm font-medium text-slate-600 hover:bg-slate-100"
            >
              Cancel
            </button>
          ) : null}
        </div>
        <div
          role="progressbar"
          aria-label="Upload progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
        >
          <div
            className={`h-full bg-indigo-600 transition-[width] duration-300 ${upload.phase !== "uploading" ? "progress-stripes" : ""}`}
            style={{ width: `${percent}%` }}
          />
        </div>
      </div>
    );
  }
  // The preview runs the server's own checks: a file with problems would only be refused.
  return (
    <div className="flex flex-col-reverse gap-3 sm:flex-row sm:items-center sm:justify-between">
      <p
        data-testid="upload-hint"
        className={`text-xs ${hasProblems && !awaitingColumns ? "text-rose-700" : "text-slate-500"}`}
      >
        {awaitingColumns
          ? "Check the columns above, then press Use these columns."
          : hasProblems
            ? "The server makes the same checks and would refuse this file as it is: fix the problems above first."
            : "Nothing is stored until the file passes the same checks on the server."}
      </p>
      <button
        type="submit"
        disabled={disabled || hasProblems || awaitingColumns}
        className="inline-flex items-center justify-center gap-2 rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm transition-colors hover:bg-indigo-500 disabled:cursor-not-allowed disabled:bg-slate-300 disabled:text-slate-600 disabled:shadow-none"
      >
        {awaitingColumns
          ? "Choose the columns to upload"
          : hasProblems
            ? "Fix the problems to upload"
            : imageCount !== null
              ? `Upload and compress ${plural(imageCount, "image")}`
              : "Upload and compress"}
      </button>
    </div>
  );
}
