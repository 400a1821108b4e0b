"use client";

import { useId } from "react";
import type { DropzoneState } from "react-dropzone";
import type { CsvFileLimits } from "@/lib/csv/csv-upload";
import { formatBytes } from "@/lib/format";

/** The area a CSV is dropped on or opened from, with the limits a file must keep to. */
export function CsvDropZone({
  dropzone,
  file,
  busy,
  limits,
}: {
  dropzone: DropzoneState;
  file: File | null;
  busy: boolean;
  limits: CsvFileLimits;
}) {
  const hintId = useId();
  const { getRootProps, getInputProps, isDragActive, isFocused } = dropzone;
  return (
    <div
      {...getRootProps({
        role: "button",
        "aria-label": file
          ? `Replace the chosen file ${file.name}: drop another CSV or press Enter to choose one`
          : "Choose a CSV file: drop it here or press Enter to open the file picker",
        "aria-describedby": hintId,
        "aria-disabled": busy || undefined,
      })}
      data-testid="dropzone"
      className={[
        "group relative flex cursor-pointer flex-col items-center justify-center gap-2 rounded-xl border-2 border-dashed px-4 text-center transition-colors outline-none",
        file ? "py-5" : "py-10 sm:py-14",
        isDragActive
          ? "border-indigo-500 bg-indigo-50"
          : "border-slate-300 bg-slate-50/60 hover:border-indigo-400 hover:bg-indigo-50/40",
        isFocused ? "ring-2 ring-indigo-600 ring-offset-2" : "",
        busy ? "pointer-events-none opacity-60" : "",
      ].join(" ")}
    >
      <input {...getInputProps({ "aria-label": "CSV file" })} data-testid="csv-file-input" />
      <span
        aria-hidden="true"
        className={`grid place-items-center rounded-full bg-white text-indigo-600 shadow-sm ring-1 ring-slate-200 ${file ? "size-9" : "size-12"}`}
      >
        <UploadIcon />
      </span>
      <p className="text-sm font-medium text-slate-900 sm:text-base">
        {isDragActive
          ? "Drop the CSV to preview it"
          : file
            ? "Drop another CSV to replace this one"
            : "Drop your product CSV here"}
      </p>
      <p id={hintId} className="text-xs text-slate-500 sm:text-sm">
        or <span className="font-medium text-indigo-700 underline underline-offset-2">choose a file</span> · CSV up to{" "}
        {formatBytes(limits.maxBytes)}, {limits.maxRows.toLocaleString("en-US")} products
      </p>
    </div>
  );
}

function UploadIcon() {
  return (
    <svg
      viewBox="0 0 24 24"
      className="size-5"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d="M12 16V4M7 9l5-5 5 5" />
      <path d="M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
    </svg>
  );
}
