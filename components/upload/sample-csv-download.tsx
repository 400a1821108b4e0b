"use client";

import { SAMPLE_CSV_NAME, sampleCsvFile } from "./sample-csv";

/** Downloads the sample CSV, built for the origin this page was opened at. */
export function SampleCsvDownload() {
  const download = () => {
    const url = URL.createObjectURL(sampleCsvFile(window.location.origin));
    const link = document.createElement("a");
    link.href = url;
    link.download = SAMPLE_CSV_NAME;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <button
      type="button"
      onClick={download}
      className="inline-flex w-full items-center justify-center gap-2 rounded-lg border border-slate-300 bg-white px-3 py-2 font-medium text-slate-700 shadow-xs hover:bg-slate-50"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="size-4">
        <path d="M10.75 2.75a.75.75 0 0 0-1.5 0v8.614L6.295 8.235a.75.75 0 1 0-1.09 1.03l4.25 4.5a.75.75 0 0 0 1.09 0l4.25-4.5a.75.75 0 0 0-1.09-1.03l-2.955 3.129V2.75Z" />
        <path d="M3.5 12.75a.75.75 0 0 0-1.5 0v2.5A2.75 2.75 0 0 0 4.75 18h10.5A2.75 2.75 0 0 0 18 15.25v-2.5a.75.75 0 0 0-1.5 0v2.5c0 .69-.56 1.25-1.25 1.25H4.75c-.69 0-1.25-.56-1.25-1.25v-2.5Z" />
      </svg>
      Download the sample CSV
    </button>
  );
}
