import type { UploadState } from "@/components/hooks/use-csv-upload";
import { WarningIcon } from "@/components/ui/icons";
import { ProblemList } from "@/components/ui/problem-list";

/** Why the server refused the upload, with each problem it found; nothing otherwise. */
export function UploadRejection({ upload }: { upload: UploadState }) {
  if (upload.phase !== "rejected") return null;
  return (
    <div
      role="alert"
      data-testid="upload-error"
      className="space-y-2 rounded-lg bg-rose-50 p-3 ring-1 ring-rose-600/20 ring-inset"
    >
      <p className="flex items-start gap-2 text-sm font-semibold text-rose-800">
        <WarningIcon />
        <span>
          <span className="sr-only">The server rejected the upload: </span>
          <span data-testid="upload-error-message">{upload.message}</span>
        </span>
      </p>
      {upload.errors.length > 0 ? (
        <ProblemList problems={upload.errors} total={upload.errorCount} testId="server-problems" />
      ) : null}
    </div>
  );
}
