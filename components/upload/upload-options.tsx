"use client";

import { useId } from "react";
import { readQuality } from "@/lib/contract";
import {
  DEFAULT_OUTPUT_OPTIONS,
  OutputOptionsFields,
  type OutputOptionsInput,
  outputOptionsSummary,
  sizeValid,
  targetSizeValid,
} from "./output-options-fields";

/** What the upload asks for besides the file, as typed: sent as form fields, empty ones left out. */
export type UploadOptionsInput = OutputOptionsInput & { quality: string; webhookUrl: string };

export function defaultUploadOptions(defaultQuality: number): UploadOptionsInput {
  return { quality: String(defaultQuality), webhookUrl: "", ...DEFAULT_OUTPUT_OPTIONS };
}

export function uploadOptionsValid({ quality, maxWidth, maxHeight, maxKilobytes }: UploadOptionsInput): boolean {
  return readQuality(quality) !== null && sizeValid(maxWidth) && sizeValid(maxHeight) && targetSizeValid(maxKilobytes);
}

/** Quality, and behind "Advanced options" the output format, largest size and webhook URL. */
export function UploadOptions({
  value,
  onChange,
  defaultQuality,
  disabled,
}: {
  value: UploadOptionsInput;
  onChange: (value: UploadOptionsInput) => void;
  defaultQuality: number;
  disabled: boolean;
}) {
  return (
    <div className="grid gap-4 sm:grid-cols-[minmax(0,16rem)_1fr] sm:items-start">
      <QualityField
        value={value.quality}
        onChange={(quality) => onChange({ ...value, quality })}
        defaultQuality={defaultQuality}
        disabled={disabled}
      />
      <AdvancedOptions value={value} onChange={onChange} disabled={disabled} />
    </div>
  );
}

function QualityField({
  value,
  onChange,
  defaultQuality,
  disabled,
}: {
  value: string;
  onChange: (value: string) => void;
  defaultQuality: number;
  disabled: boolean;
}) {
  const ids = { quality: useId(), hint: useId() };
  const valid = readQuality(value) !== null;
  return (
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
          value={value}
          onChange={(event) => onChange(event.target.value)}
          aria-describedby={ids.hint}
          aria-invalid={!valid || undefined}
          disabled={disabled}
          className="w-24 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs aria-invalid:border-rose-500 disabled:bg-slate-100"
        />
        <span className="text-sm text-slate-500">of 100</span>
      </div>
      <p id={ids.hint} className={`mt-1 text-xs ${valid ? "text-slate-500" : "text-rose-700"}`}>
        {valid ? `Lower means smaller files. Default ${defaultQuality}.` : "Enter a whole number from 1 to 100."}
      </p>
    </div>
  );
}

function AdvancedOptions({
  value,
  onChange,
  disabled,
}: {
  value: UploadOptionsInput;
  onChange: (value: UploadOptionsInput) => void;
  disabled: boolean;
}) {
  const ids = { webhook: useId(), webhookHint: useId() };
  const summary = [outputOptionsSummary(value), value.webhookUrl.trim() ? "Webhook set" : null]
    .filter(Boolean)
    .join(" · ");
  return (
    <details className="group rounded-lg border border-slate-200 bg-white open:shadow-xs">
      <summary className="flex cursor-pointer list-none items-center justify-between gap-2 rounded-lg px-3 py-2 text-sm font-medium text-slate-700 select-none hover:bg-slate-50 [&::-webkit-details-marker]:hidden">
        <span>Advanced options</span>
        <span className="flex items-center gap-2 text-xs font-normal text-slate-500">
          {summary || "Format, size, webhook"}
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
        <OutputOptionsFields
          value={value}
          onChange={(output) => onChange({ ...value, ...output })}
          disabled={disabled}
        />
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
            value={value.webhookUrl}
            onChange={(event) => onChange({ ...value, webhookUrl: event.target.value })}
            aria-describedby={ids.webhookHint}
            disabled={disabled}
            className="mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs disabled:bg-slate-100"
          />
          <p id={ids.webhookHint} className="mt-1 text-xs text-slate-500">
            We POST the request&apos;s status here once every image is finished.
          </p>
        </div>
      </div>
    </details>
  );
}
