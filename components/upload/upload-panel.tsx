"use client";

import { useRouter } from "next/navigation";
import { useCallback, useId, useState, type FormEvent } from "react";
import { useDropzone, type FileRejection } from "react-dropzone";
import type { UploadAccepted } from "@/lib/contract";
import { CsvPreview } from "./csv-preview";
import { WarningIcon } from "@/components/ui/icons";
import { readQuality } from "@/lib/contract";
import type { CsvFileLimits } from "@/lib/csv/csv-upload";
import { formatBytes, plural } from "@/lib/format";
import {
  DEFAULT_OUTPUT_OPTIONS,
  OutputOptionsFields,
  type OutputOptionsInput,
  outputOptionsSummary,
  sizeValid,
} from "./output-options-fields";
import { ProblemList } from "@/components/ui/problem-list";
import { useCsvPreview } from "@/components/hooks/use-csv-preview";
import { sampleCsvFile } from "./sample-csv";
import { useCsvUpload, type UploadState } from "@/components/hooks/use-csv-upload";

// Browsers label CSV files differently (Excel on Windows: application/vnd.ms-excel, some: nothing);
// the extension list lets any of them through, and the content is judged after reading.
const ACCEPT = {
  "text/csv": [".csv"],
  "application/vnd.ms-excel": [".csv"],
  "text/plain": [".csv", ".txt"],
  "text/tab-separated-values": [".tsv"],
};

/** Drop a CSV, see what it holds and what is wrong with it, then upload it with progress. */
export function UploadPanel({ limits, defaultQuality }: { limits: CsvFileLimits; defaultQuality: number }) {
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [pickProblem, setPickProblem] = useState<string | null>(null);
  const [quality, setQuality] = useState(String(defaultQuality));
  const [webhookUrl, setWebhookUrl] = useState("");
  const [output, setOutput] = useState<OutputOptionsInput>(DEFAULT_OUTPUT_OPTIONS);
  const preview = useCsvPreview(file, limits);
  const onAccepted = useCallback(
    (response: UploadAccepted) => router.push(`/requests/${encodeURIComponent(response.requestId)}`),
    [router],
  );
  const { state: upload, upload: send, cancel, reset } = useCsvUpload({ onAccepted });
  const busy = upload.phase === "uploading" || upload.phase === "processing" || upload.phase === "accepted";
  const ids = { hint: useId(), quality: useId(), qualityHint: useId(), webhook: useId(), webhookHint: useId() };

  const onDrop = useCallback(
    (accepted: File[], rejected: FileRejection[]) => {
      reset();
      if (accepted[0]) {
        setFile(accepted[0]);
        setPickProblem(null);
      } else if (rejected[0]) {
        setFile(null);
        setPickProblem(describeRejection(rejected, limits.maxBytes));
      }
    },
    [reset, limits.maxBytes],
  );

  const { getRootProps, getInputProps, isDragActive, isFocused, open } = useDropzone({
    onDrop,
    accept: ACCEPT,
    multiple: false,
    maxSize: limits.maxBytes,
    disabled: busy,
  });

  const csv = preview.state === "parsed" ? preview.csv : null;
  const hasProblems = preview.state === "unreadable" || (csv !== null && csv.errorCount > 0);
  const qualityValid = readQuality(quality) !== null;
  const optionsValid = qualityValid && sizeValid(output.maxWidth) && sizeValid(output.maxHeight);
  const advancedSummary = [outputOptionsSummary(output), webhookUrl.trim() ? "Webhook set" : null]
    .filter(Boolean)
    .join(" · ");

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!file || busy || !optionsValid) return;
    send({ file, quality, webhookUrl, ...output });
  };

  // Product photos served by this app itself: the first try works offline and needs no set-up.
  const trySamples = () => {
    reset();
    setPickProblem(null);
    setFile(sampleCsvFile(window.location.origin));
  };

  const clear = () => {
    reset();
    setFile(null);
    setPickProblem(null);
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Upload a product CSV" className="space-y-5">
      <div
        {...getRootProps({
          role: "button",
          "aria-label": file
            ? `Replace the chosen file ${file.name}: drop another CSV or press Enter to choose one`
            : "Choose a CSV file: drop it here or press Enter to open the file picker",
          "aria-describedby": ids.hint,
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
        <p id={ids.hint} className="text-xs text-slate-500 sm:text-sm">
          or <span className="font-medium text-indigo-700 underline underline-offset-2">choose a file</span> · CSV up to{" "}
          {formatBytes(limits.maxBytes)}, {limits.maxRows.toLocaleString("en-US")} products
        </p>
      </div>

      {!file ? (
        <p className="-mt-2 text-center text-sm text-slate-600">
          No CSV at hand?{" "}
          <button
            type="button"
            onClick={trySamples}
            disabled={busy}
            className="font-medium text-indigo-700 underline underline-offset-2 hover:text-indigo-900 disabled:opacity-50"
          >
            Try it with sample images
          </button>
        </p>
      ) : null}

      {pickProblem ? (
        <p
          role="alert"
          className="flex items-start gap-2 rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-rose-600/20 ring-inset"
        >
          <WarningIcon />
          {pickProblem}
        </p>
      ) : null}

      {file ? (
        <section
          aria-label="Chosen file"
          className="space-y-4 rounded-xl border border-slate-200 bg-white p-4 shadow-xs"
        >
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
                onClick={open}
                disabled={busy}
                className="rounded-md px-2.5 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 disabled:opacity-50"
              >
                Replace
              </button>
              <button
                type="button"
                onClick={clear}
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
          {csv ? <CsvPreview csv={csv} /> : null}

          <ServerAnswer upload={upload} />
        </section>
      ) : null}

      <div className="grid gap-4 sm:grid-cols-[minmax(0,16rem)_1fr] sm:items-start">
        <div>
          <label htmlFor={ids.quality} className="block text-sm font-medium text-slate-800">
            Quality
          </label>
          <div className="mt-1 flex items-center gap-2">
            <input
              id={ids.quality}
              name="quality"
              type="number"
              inputMode="numeric"
              min={1}
              max={100}
              step={1}
              value={quality}
              onChange={(event) => setQuality(event.target.value)}
              aria-describedby={ids.qualityHint}
              aria-invalid={!qualityValid || undefined}
              disabled={busy}
              className="w-24 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs aria-invalid:border-rose-500 disabled:bg-slate-100"
            />
            <span className="text-sm text-slate-500">of 100</span>
          </div>
          <p id={ids.qualityHint} className={`mt-1 text-xs ${qualityValid ? "text-slate-500" : "text-rose-700"}`}>
            {qualityValid
              ? `Lower means smaller files. Default ${defaultQuality}.`
              : "Enter a whole number from 1 to 100."}
          </p>
        </div>

        <details className="group rounded-lg border border-slate-200 bg-white open:shadow-xs">
          <summary className="flex cursor-pointer list-none items-center justify-between gap-2 rounded-lg px-3 py-2 text-sm font-medium text-slate-700 select-none hover:bg-slate-50 [&::-webkit-details-marker]:hidden">
            <span>Advanced options</span>
            <span className="flex items-center gap-2 text-xs font-normal text-slate-500">
              {advancedSummary || "Format, size, webhook"}
              <svg
                aria-hidden="true"
                viewBox="0 0 20 20"
                fill="currentColor"
                className="size-4 transition-transform group-open:rotate-180"
              >
                <path
                  fillRule="evenodd"
                  d="M5.22 8.22a.75.75 0 0 1 1.06 0L10 11.94l3.72-3.72a.75.75 0 1 1 1.06 1.06l-4.25 4.25a.75.75 0 0 1-1.06 0L5.22 9.28a.75.75 0 0 1 0-1.06Z"
                  clipRule="evenodd"
                />
              </svg>
            </span>
          </summary>
          <div className="space-y-3 border-t border-slate-200 px-3 py-3">
            <OutputOptionsFields value={output} onChange={setOutput} disabled={busy} />
            <div>
              <label htmlFor={ids.webhook} className="block text-sm font-medium text-slate-800">
                Webhook URL <span className="font-normal text-slate-500">(optional)</span>
              </label>
              <input
                id={ids.webhook}
                name="webhookUrl"
                type="url"
                inputMode="url"
                placeholder="https://shop.example/hooks/images-ready"
                value={webhookUrl}
                onChange={(event) => setWebhookUrl(event.target.value)}
                aria-describedby={ids.webhookHint}
                disabled={busy}
                className="mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs disabled:bg-slate-100"
              />
              <p id={ids.webhookHint} className="mt-1 text-xs text-slate-500">
                We POST the request&apos;s status here once every image is finished.
              </p>
            </div>
          </div>
        </details>
      </div>

      <UploadActions
        upload={upload}
        disabled={!file || !optionsValid || preview.state === "reading"}
        hasProblems={hasProblems}
        imageCount={csv?.uniqueImageCount ?? null}
        onCancel={cancel}
      />
    </form>
  );
}

function UploadActions({
  upload,
  disabled,
  hasProblems,
  imageCount,
  onCancel,
}: {
  upload: UploadState;
  disabled: boolean;
  hasProblems: boolean;
  imageCount: number | null;
  onCancel: () => void;
}) {
  if (upload.phase === "uploading" || upload.phase === "processing" || upload.phase === "accepted") {
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
  return (
    <div className="flex flex-col-reverse gap-3 sm:flex-row sm:items-center sm:justify-between">
      <p className="text-xs text-slate-500">Nothing is stored until the file passes the same checks on the server.</p>
      <button
        type="submit"
        disabled={disabled}
        className={`inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2.5 text-sm font-semibold shadow-sm transition-colors disabled:cursor-not-allowed disabled:bg-slate-300 disabled:text-slate-600 disabled:shadow-none ${
          hasProblems
            ? "bg-white text-rose-700 ring-1 ring-rose-300 hover:bg-rose-50"
            : "bg-indigo-600 text-white hover:bg-indigo-500"
        }`}
      >
        {hasProblems
          ? "Upload anyway"
          : imageCount !== null
            ? `Upload and compress ${plural(imageCount, "image")}`
            : "Upload and compress"}
      </button>
    </div>
  );
}

function ServerAnswer({ upload }: { upload: UploadState }) {
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

function describeRejection(rejected: FileRejection[], maxBytes: number): string {
  if (rejected.length > 1) return "Drop one CSV file at a time.";
  const [{ file, errors }] = rejected;
  const codes = errors.map((error) => error.code);
  if (codes.includes("file-too-large"))
    return `“${file.name}” is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}. Split it into smaller files.`;
  if (codes.includes("file-invalid-type"))
    return `“${file.name}” is not a CSV file. Save the spreadsheet as CSV (in Excel: File → Save As → CSV UTF-8) and drop that file.`;
  return errors[0]?.message ?? "This file cannot be used.";
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
