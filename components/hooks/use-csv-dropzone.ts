"use client";

import { useCallback } from "react";
import { type FileRejection, useDropzone } from "react-dropzone";
import { formatBytes } from "@/lib/format";

// Browsers label CSV files differently (Excel on Windows: application/vnd.ms-excel, some: nothing);
// the extension list lets any of them through, and the content is judged after reading.
const ACCEPT = {
  "text/csv": [".csv"],
  "application/vnd.ms-excel": [".csv"],
  "text/plain": [".csv", ".txt"],
  "text/tab-separated-values": [".tsv"],
};

/** What a drop came to: the file to use, or why the dropped one cannot be used; null when neither. */
export type CsvDrop = { file: File; problem: null } | { file: null; problem: string } | null;

/** Drag and drop (and the file picker) for one CSV file of at most `maxBytes`. */
export function useCsvDropzone({
  maxBytes,
  disabled,
  onDrop,
}: {
  maxBytes: number;
  disabled: boolean;
  onDrop: (drop: CsvDrop) => void;
}) {
  const dropped = useCallback(
    (accepted: File[], rejected: FileRejection[]) => {
      if (accepted[0]) onDrop({ file: accepted[0], problem: null });
      else if (rejected[0]) onDrop({ file: null, problem: describeRejection(rejected, maxBytes) });
      else onDrop(null);
    },
    [onDrop, maxBytes],
  );
  return useDropzone({ onDrop: dropped, accept: ACCEPT, multiple: false, maxSize: maxBytes, disabled });
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
