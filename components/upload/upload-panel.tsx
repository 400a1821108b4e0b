"use client";

import { useRouter } from "next/navigation";
import { useCallback, useState, type FormEvent } from "react";
import { type CsvDrop, useCsvDropzone } from "@/components/hooks/use-csv-dropzone";
import { useCsvPreview } from "@/components/hooks/use-csv-preview";
import { isUnderWay, useCsvUpload } from "@/components/hooks/use-csv-upload";
import { WarningIcon } from "@/components/ui/icons";
import type { CsvFileLimits } from "@/lib/csv/csv-upload";
import type { ColumnMapping } from "@/lib/csv/csv-layout";
import { locateColumns } from "@/lib/csv/columns";
import type { ParsedProductCsv } from "@/lib/csv/parse-product-csv";
import { MAX_TRIAL_IMAGES, type UploadAccepted } from "@/lib/contract";
import { ChosenFile } from "./chosen-file";
import { ColumnMappingFields } from "./column-mapping";
import { CsvDropZone } from "./csv-drop-zone";
import { sampleCsvFile } from "./sample-csv";
import { TrialPanel } from "./trial-panel";
import { UploadActions } from "./upload-actions";
import { defaultUploadOptions, UploadOptions, uploadOptionsValid } from "./upload-options";
import { targetBytesOf } from "./output-options-fields";

/** Drop a CSV, see what it holds and what is wrong with it, then upload it with progress. */
export function UploadPanel({ limits, defaultQuality }: { limits: CsvFileLimits; defaultQuality: number }) {
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [pickProblem, setPickProblem] = useState<string | null>(null);
  const [options, setOptions] = useState(() => defaultUploadOptions(defaultQuality));
  const [mapping, setMapping] = useState<ColumnMapping | null>(null);
  const [columnsPending, setColumnsPending] = useState(false);
  const preview = useCsvPreview(file, limits, mapping);
  const onAccepted = useCallback(
    (response: UploadAccepted) => router.push(`/requests/${encodeURIComponent(response.requestId)}`),
    [router],
  );
  const { state: upload, upload: send, cancel, reset } = useCsvUpload({ onAccepted });
  const busy = isUnderWay(upload);

  const onDrop = useCallback(
    (drop: CsvDrop) => {
      reset();
      if (!drop) return;
      setMapping(null);
      setFile(drop.file);
      setPickProblem(drop.problem);
    },
    [reset],
  );
  const dropzone = useCsvDropzone({ maxBytes: limits.maxBytes, disabled: busy, onDrop });

  const csv = preview.state === "parsed" ? preview.csv : null;
  const hasProblems = preview.state === "unreadable" || (csv !== null && csv.errorCount > 0);
  const optionsValid = uploadOptionsValid(options);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!file || busy || !optionsValid || hasProblems || awaitingColumns) return;
    const { maxKilobytes, ...fields } = options;
    const maxBytes = targetBytesOf(maxKilobytes);
    send({
      file,
      ...fields,
      ...(maxBytes !== null ? { maxBytes: String(maxBytes) } : {}),
      ...(mapping ? { ...mapping, idColumn: mapping.idColumn ?? undefined } : {}),
    });
  };

  // Product photos served by this app itself: the first try works offline and needs no set-up.
  const trySamples = () => {
    reset();
    setPickProblem(null);
    setMapping(null);
    setFile(sampleCsvFile(window.location.origin));
  };

  const clear = () => {
    reset();
    setFile(null);
    setPickProblem(null);
    setMapping(null);
  };
  // A file in no known layout (its header read, no columns found), or one read with a mapping.
  const mappable = csv !== null && csv.header.length > 0 && (csv.layout === null || mapping !== null);
  // A file that lacks most of the template's columns is another kind of file: the column choice is
  // what matters, not the missing columns. One that lacks a single column is a template to fix.
  const choosingColumns = mappable && mapping === null && locateColumns(csv.header).size <= 1;
  // The column choice on screen is not the one the file is read with: the upload waits for it.
  const awaitingColumns = mappable && columnsPending && (mapping !== null || choosingColumns);

  return (
    <form onSubmit={submit} noValidate aria-label="Upload a product CSV" className="space-y-5">
      <CsvDropZone dropzone={dropzone} file={file} busy={busy} limits={limits} />

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
        <ChosenFile
          file={file}
          preview={preview}
          previewShown={!choosingColumns}
          upload={upload}
          busy={busy}
          onReplace={dropzone.open}
          onRemove={clear}
        >
          {mappable ? (
            <ColumnMappingFields
              key={file.name + file.lastModified}
              header={csv.header}
              value={mapping}
              onChange={setMapping}
              onPendingChange={setColumnsPending}
              disabled={busy}
            />
          ) : null}
        </ChosenFile>
      ) : null}

      <UploadOptions value={options} onChange={setOptions} defaultQuality={defaultQuality} disabled={busy} />

      {csv?.imageUrls.length ? (
        <TrialPanel imageUrls={csv.imageUrls} labels={trialLabels(csv)} options={options} disabled={busy} />
      ) : null}

      <UploadActions
        upload={upload}
        disabled={!file || !optionsValid || preview.state === "reading"}
        hasProblems={hasProblems}
        awaitingColumns={awaitingColumns}
        imageCount={csv?.uniqueImageCount ?? null}
        onCancel={cancel}
      />
    </form>
  );
}

/** The first distinct images as a seller knows them: their product and place ("Blue Shirt · 2"). */
function trialLabels(csv: ParsedProductCsv): string[] {
  return csv.imageUrls.slice(0, MAX_TRIAL_IMAGES).map((_, position) => {
    const product = csv.products.find((each) => each.imagePositions.includes(position));
    if (!product) return `Image ${position + 1}`;
    const name = product.productName || `Row ${product.rowNumber}`;
    return `${name} · ${product.imagePositions.indexOf(position) + 1}`;
  });
}
