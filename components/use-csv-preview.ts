"use client";

import { useEffect, useState } from "react";
import { decodeCsvFile } from "@/lib/csv/decode-csv-file";
import { parseProductCsv, type CsvLimits, type ParsedProductCsv } from "@/lib/csv/parse-product-csv";

export type CsvPreview =
  | { state: "empty" }
  | { state: "reading"; file: File }
  /** The file cannot be read as CSV at all (too large, an image, a workbook). */
  | { state: "unreadable"; file: File; message: string }
  | { state: "parsed"; file: File; csv: ParsedProductCsv };

/**
 * Reads the chosen file in the browser and validates it with the same parser the server uses, so the
 * seller sees every problem before anything is sent.
 */
export function useCsvPreview(file: File | null, limits: CsvLimits & { maxBytes: number }): CsvPreview {
  const [preview, setPreview] = useState<CsvPreview>({ state: "empty" });
  const { maxBytes, maxRows, maxUrlsPerRow } = limits;

  useEffect(() => {
    if (!file) {
      setPreview({ state: "empty" });
      return;
    }
    let current = true;
    setPreview({ state: "reading", file });
    (async () => {
      if (file.size > maxBytes) {
        return {
          state: "unreadable",
          file,
          message: `The file is ${describeSize(file.size)}; the limit is ${describeSize(maxBytes)}. Split it into smaller files.`,
        } as const;
      }
      try {
        const text = decodeCsvFile(new Uint8Array(await file.arrayBuffer()));
        return { state: "parsed", file, csv: parseProductCsv(text, { maxRows, maxUrlsPerRow }) } as const;
      } catch (error) {
        return {
          state: "unreadable",
          file,
          message: error instanceof Error ? error.message : "The file could not be read.",
        } as const;
      }
    })().then((next) => {
      if (current) setPreview(next);
    });
    return () => {
      current = false;
    };
  }, [file, maxBytes, maxRows, maxUrlsPerRow]);

  return preview;
}

function describeSize(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 ? Math.round(mb) : mb.toFixed(1)} MB`;
}
