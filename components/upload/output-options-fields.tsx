"use client";

import { useId } from "react";
import {
  MAX_DIMENSION,
  MAX_TARGET_BYTES,
  MIN_TARGET_BYTES,
  type OutputFormat,
  readDimension,
  readTargetBytes,
} from "@/lib/contract";
import { imageFormatInfo } from "@/lib/images/image-formats";

/**
 * The output options as typed: a format, two optional sizes and an optional target file size in KB
 * (as marketplaces state their caps), kept as text until sent.
 */
export type OutputOptionsInput = { format: OutputFormat; maxWidth: string; maxHeight: string; maxKilobytes: string };

export const DEFAULT_OUTPUT_OPTIONS: OutputOptionsInput = {
  format: "keep",
  maxWidth: "",
  maxHeight: "",
  maxKilobytes: "",
};

/** A target size typed in KB, as the bytes the API takes; null when empty or not valid. */
export function targetBytesOf(kilobytes: string): number | null {
  const text = kilobytes.trim();
  return /^\d+$/.test(text) ? readTargetBytes(String(Number(text) * 1024)) : null;
}

/** Whether the target size field holds nothing or a whole number of KB in range. */
export function targetSizeValid(kilobytes: string): boolean {
  return kilobytes.trim() === "" || targetBytesOf(kilobytes) !== null;
}

/** "at most 200 KB" for a target size; null when none is set. */
export function targetSizeText(maxBytes: number | null): string | null {
  if (maxBytes === null) return null;
  return maxBytes % 1024 === 0 ? `at most ${maxBytes / 1024} KB` : `at most ${maxBytes.toLocaleString("en-US")} bytes`;
}

export const FORMAT_LABELS: Record<OutputFormat, string> = {
  keep: "Same as the original",
  jpeg: imageFormatInfo.jpeg.label,
  png: imageFormatInfo.png.label,
  webp: imageFormatInfo.webp.label,
  avif: imageFormatInfo.avif.label,
  auto: "Smallest of WebP, AVIF and the original's",
};

/** Whether a size field holds nothing or a whole number of pixels in range. */
export function sizeValid(text: string): boolean {
  return text.trim() === "" || readDimension(text) !== null;
}

/** "fit 800 × any px" for the largest size asked for; null when none is. */
export function fitText(maxWidth: string | number | null, maxHeight: string | number | null): string | null {
  const side = (value: string | number | null) => String(value ?? "").trim() || "any";
  return side(maxWidth) === "any" && side(maxHeight) === "any" ? null : `fit ${side(maxWidth)} × ${side(maxHeight)} px`;
}

/** A short summary for the closed "Advanced options": what is set besides the defaults. */
export function outputOptionsSummary({ format, maxWidth, maxHeight, maxKilobytes }: OutputOptionsInput): string | null {
  const parts = [
    format === "keep" ? null : format === "auto" ? "Smallest format" : FORMAT_LABELS[format],
    fitText(maxWidth, maxHeight),
    targetSizeText(targetBytesOf(maxKilobytes)),
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : null;
}

/** Format and largest size of the output images, in the upload's advanced options. */
export function OutputOptionsFields({
  value,
  onChange,
  disabled,
}: {
  value: OutputOptionsInput;
  onChange: (value: OutputOptionsInput) => void;
  disabled: boolean;
}) {
  const ids = {
    format: useId(),
    formatHint: useId(),
    width: useId(),
    height: useId(),
    sizeHint: useId(),
    target: useId(),
    targetHint: useId(),
  };
  const targetValid = targetSizeValid(value.maxKilobytes);
  const sizesValid = sizeValid(value.maxWidth) && sizeValid(value.maxHeight);
  const input =
    "mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs aria-invalid:border-rose-500 disabled:bg-slate-100";
  return (
    <div className="space-y-3">
      <div>
        <label htmlFor={ids.format} className="block text-sm font-medium text-slate-800">
          Output format
        </label>
        <select
          id={ids.format}
          name="format"
          value={value.format}
          onChange={(event) => onChange({ ...value, format: event.target.value as OutputFormat })}
          aria-describedby={ids.formatHint}
          disabled={disabled}
          className={input}
        >
          {(Object.keys(FORMAT_LABELS) as OutputFormat[]).map((format) => (
            <option key={format} value={format}>
              {FORMAT_LABELS[format]}
            </option>
          ))}
        </select>
        <p id={ids.formatHint} className="mt-1 text-xs text-slate-500">
          Transparency is kept (JPEG puts it on white); animations stay animated.
        </p>
      </div>
      <div className="grid grid-cols-2 gap-3">
        {(
          [
            ["maxWidth", ids.width, "Max width"],
            ["maxHeight", ids.height, "Max height"],
          ] as const
        ).map(([field, id, label]) => (
          <div key={field}>
            <label htmlFor={id} className="block text-sm font-medium text-slate-800">
              {label} <span className="font-normal text-slate-500">(px)</span>
            </label>
            <input
              id={id}
              name={field}
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_DIMENSION}
              step={1}
              placeholder="any"
              value={value[field]}
              onChange={(event) => onChange({ ...value, [field]: event.target.value })}
              aria-describedby={ids.sizeHint}
              aria-invalid={!sizeValid(value[field]) || undefined}
              disabled={disabled}
              className={input}
            />
          </div>
        ))}
      </div>
      <p id={ids.sizeHint} className={`-mt-1 text-xs ${sizesValid ? "text-slate-500" : "text-rose-700"}`}>
        {sizesValid
          ? "Larger images are scaled down to fit, keeping their proportions; smaller ones are never enlarged."
          : `Enter a whole number of pixels from 1 to ${MAX_DIMENSION.toLocaleString("en-US")}, or leave it empty.`}
      </p>
      <div>
        <label htmlFor={ids.target} className="block text-sm font-medium text-slate-800">
          Max file size <span className="font-normal text-slate-500">(KB)</span>
        </label>
        <input
          id={ids.target}
          name="maxKilobytes"
          type="number"
          inputMode="numeric"
          min={MIN_TARGET_BYTES / 1024}
          max={MAX_TARGET_BYTES / 1024}
          step={1}
          placeholder="any"
          value={value.maxKilobytes}
          onChange={(event) => onChange({ ...value, maxKilobytes: event.target.value })}
          aria-describedby={ids.targetHint}
          aria-invalid={!targetValid || undefined}
          disabled={disabled}
          className={input}
        />
        <p id={ids.targetHint} className={`mt-1 text-xs ${targetValid ? "text-slate-500" : "text-rose-700"}`}>
          {targetValid
            ? "For a marketplace's cap: each image gets the highest quality (up to the one above) that fits; one that cannot fit even at the lowest quality fails, saying so."
            : `Enter a whole number of KB from ${MIN_TARGET_BYTES / 1024} to ${(MAX_TARGET_BYTES / 1024).toLocaleString("en-US")}, or leave it empty.`}
        </p>
      </div>
    </div>
  );
}
