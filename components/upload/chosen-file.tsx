import type { CsvPreviewState } from "@/components/hooks/use-csv-preview";
import type { ReactNode } from "react";
import type { UploadState } from "@/components/hooks/use-csv-upload";
import { WarningIcon } from "@/components/ui/icons";
import { formatBytes } from "@/lib/format";
import { CsvPreview } from "./csv-preview";
import { UploadRejection } from "./upload-rejection";

/**
 * The chosen file: its name and size, Replace and Remove, what the browser read of it, and the
 * server's answer when it refused it.
 */
export function ChosenFile({
  file,
  preview,
  upload,
  busy,
  onReplace,
  onRemove,
  previewShown = true,
  children,
}: {
  file: File;
  preview: CsvPreviewState;
  /** False while the seller chooses the columns of a file in no known layout. */
  previewShown?: boolean;
  upload: UploadState;
  busy: boolean;
  onReplace: () => void;
  onRemove: () => void;
  /** Shown under the preview: the column mapping, for a file in no known layout. */
  children?: ReactNode;
}) {
  return (
    <section aria-label="Chosen file" className="space-y-4 rounded-xl border border-slate-200 bg-white p-4 shadow-xs">
      <div className="flex flex-wrap items-center gap-3">
        <span
          aria-hidden="true"
          className="grid size-10 shrink-0 place-items-center rounded-lg bg-emerald-50 text-xs font-bold text-emerald-700 ring-1 ring-emerald-600/20"
        >
          CSV
        </span>
        <div className="min-w-[9rem] flex-1">
          <p data-testid="chosen-file-name" className="truncate font-medium" title={file.name}>
            {file.name}
          </p>
          <p className="text-xs text-slate-500">{formatBytes(file.size)}</p>
        </div>
        <div className="ml-auto flex gap-1">
          <button
            type="button"
            onClick={onReplace}
            disabled={busy}
            className="rounded-md px-2.5 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 disabled:opacity-50"
          >
            Replace
          </button>
          <button
            type="button"
            onClick={onRemove}
            disabled={busy}
            className="rounded-md px-2.5 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 disabled:opacity-50"
          >
            Remove
          </button>
        </div>
      </div>

      {preview.state === "reading" ? <p className="text-sm text-slate-500">Reading the file…</p> : null}
      {preview.state === "unreadable" ? (
        <p
          data-testid="preview-unreadable"
          className="flex items-start gap-2 rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-rose-600/20 ring-inset"
        >
          <WarningIcon />
          {preview.message}
        </p>
      ) : null}
      {children}
      {preview.state === "parsed" && previewShown ? <CsvPreview csv={preview.csv} /> : null}

      <UploadRejection upload={upload} />
    </section>
  );
}
