"use client";

import { useEffect, useState } from "react";
import type { ColumnMapping } from "@/lib/csv/csv-layout";
import { type CsvFileLimits, CsvUpload } from "@/lib/csv/csv-upload";
import type { ParsedProductCsv } from "@/lib/csv/parse-product-csv";
import { formatBytes } from "@/lib/format";

export type CsvPreviewState =
  | { state: "empty" }
  | { state: "reading"; file: File }
  /** The file cannot be read as CSV at all (too large, an image, a workbook). */
  | { state: "unreadable"; file: File; message: string }
  | { state: "parsed"; file: File; csv: ParsedProductCsv; mapping: ColumnMapping | null };

type Finished = Extract<CsvPreviewState, { state: "unreadable" | "parsed" }>;

/**
 * Reads the chosen file in the browser and validates it with the same parser the server uses, so the
 * seller sees every problem before anything is sent. A file is "reading" until its own result arrives.
 */
export function useCsvPreview(
  file: File | null,
  limits: CsvFileLimits,
  mapping: ColumnMapping | null,
): CsvPreviewState {
  const [finished, setFinished] = useState<Finished | null>(null);
  const { maxBytes, maxRows, maxUrlsPerRow, maxImages, maxProductNameLength } = limits;

  useEffect(() => {
    if (!file) return;
    let current = true;
    readPreview(file, { maxBytes, maxRows, maxUrlsPerRow, maxImages, maxProductNameLength }, mapping).then((next) => {
      if (current) setFinished(next);
    });
    return () => {
      current = false;
    };
  }, [file, maxBytes, maxRows, maxUrlsPerRow, maxImages, maxProductNameLength, mapping]);

  if (!file) return { state: "empty" };
  const current = finished?.file === file && (finished.state !== "parsed" || finished.mapping === mapping);
  return current ? finished : { state: "reading", file };
}

/** The file read the way the server reads an upload, piece by piece, with the same checks. */
async function readPreview(file: File, limits: CsvFileLimits, mapping: ColumnMapping | null): Promise<Finished> {
  if (file.size > limits.maxBytes) {
    return {
      state: "unreadable",
      file,
      message: `The file is ${formatBytes(file.size)}; the limit is ${formatBytes(limits.maxBytes)}. Split it into smaller files.`,
    };
  }
  try {
    const upload = new CsvUpload(limits, mapping);
    const reader = file.stream().getReader();
    for (let piece = await reader.read(); !piece.done; piece = await reader.read()) {
      upload.push(piece.value);
      if (upload.limitCrossed) break;
    }
    return { state: "parsed", file, csv: upload.end(), mapping };
  } catch (error) {
    return {
      state: "unreadable",
      file,
      message: error instanceof Error ? error.message : "The file could not be read.",
    };
  }
}
