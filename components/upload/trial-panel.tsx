"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { tryImages } from "@/components/api/client";
import { CompareView } from "@/components/compare/compare-view";
import { WarningIcon } from "@/components/ui/icons";
import { MAX_TRIAL_IMAGES, readDimension, readQuality, type TrialImage, type TrialRequest } from "@/lib/contract";
import { formatBytes, plural } from "@/lib/format";
import type { UploadOptionsInput } from "./upload-options";
import { targetBytesOf } from "./output-options-fields";

/** The options as the trial API takes them; null while a field is not valid. */
function trialOptions(options: UploadOptionsInput): Omit<TrialRequest, "urls"> | null {
  const quality = readQuality(options.quality);
  if (quality === null) return null;
  const size = (text: string) => (text.trim() === "" ? null : readDimension(text));
  return {
    quality,
    format: options.format,
    maxWidth: size(options.maxWidth),
    maxHeight: size(options.maxHeight),
    maxBytes: targetBytesOf(options.maxKilobytes),
  };
}

/**
 * "Try the first 5 images": before uploading a whole file, the seller compresses its first few
 * images with the options chosen above and compares each before and after at full size; changes
 * the options and tries again until the result looks right. Nothing of a trial is kept.
 */
export function TrialPanel({
  imageUrls,
  labels,
  options,
  disabled,
}: {
  /** The file's distinct image URLs, in order. */
  imageUrls: string[];
  /** What each of them is to the seller ("Blue Shirt · 2"), in the same order. */
  labels: string[];
  options: UploadOptionsInput;
  disabled: boolean;
}) {
  const urls = imageUrls.slice(0, MAX_TRIAL_IMAGES);
  const wanted = trialOptions(options);
  const trial = useMutation({ mutationFn: tryImages });
  const [selected, setSelected] = useState(0);
  const result = trial.data;
  const triedWith = trial.variables ? JSON.stringify({ ...trial.variables, urls: undefined }) : null;
  const changed = result !== undefined && triedWith !== JSON.stringify({ ...wanted, urls: undefined });
  const shown = result?.images[selected] ?? result?.images[0];

  if (urls.length === 0) return null;
  const run = () => {
    if (!wanted) return;
    setSelected(0);
    trial.mutate({ urls, ...wanted });
  };
  return (
    <section
      aria-labelledby="trial-title"
      data-testid="trial-panel"
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-3"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <h3 id="trial-title" className="text-sm font-semibold text-slate-900">
            Check the result before uploading
          </h3>
          <p className="text-xs text-slate-500">
            Compresses the first {plural(urls.length, "image")} with the options above and keeps nothing.
          </p>
        </div>
        <button
          type="button"
          onClick={run}
          disabled={disabled || !wanted || trial.isPending}
          data-testid="trial-run"
          className="rounded-md bg-white px-3 py-1.5 text-sm font-medium text-indigo-700 ring-1 ring-indigo-300 hover:bg-indigo-50 disabled:opacity-50"
        >
          {trial.isPending
            ? "Trying…"
            : result
              ? "Try again with these options"
              : `Try the first ${plural(urls.length, "image")}`}
        </button>
      </div>

      {trial.isError ? (
        <p
          role="alert"
          className="flex items-start gap-2 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-rose-600/20 ring-inset"
        >
          <WarningIcon />
          {trial.error.message}
        </p>
      ) : null}

      {result ? (
        <div data-testid="trial-result" data-quality={result.quality} className="space-y-3" aria-busy={trial.isPending}>
          <p className="text-xs text-slate-600">
            Tried at quality <span className="font-medium">{result.quality}</span>
            {changed ? (
              <span data-testid="trial-stale" className="ml-1 text-amber-700">
                · the options have changed since: try again to see them
              </span>
            ) : null}
          </p>
          <ul className="flex flex-wrap gap-2" aria-label="Tried images">
            {result.images.map((image, index) => (
              <li key={`${index}-${image.inputUrl}`}>
                <button
                  type="button"
                  aria-pressed={shown === image}
                  onClick={() => setSelected(index)}
                  data-testid="trial-image"
                  data-status={image.status}
                  className="rounded-md px-2.5 py-1.5 text-left text-xs ring-1 ring-slate-200 aria-pressed:bg-indigo-50 aria-pressed:ring-indigo-400 hover:bg-slate-50"
                >
                  <span className="block max-w-[12rem] truncate font-medium text-slate-800">
                    {labels[index] ?? `Image ${index + 1}`}
                  </span>
                  <TrialSizes image={image} />
                </button>
              </li>
            ))}
          </ul>
          {shown ? <TrialCompare image={shown} /> : null}
        </div>
      ) : null}
    </section>
  );
}

function TrialSizes({ image }: { image: TrialImage }) {
  if (image.status === "failed") return <span className="text-rose-700">Failed</span>;
  if (image.optimized === false) {
    return <span className="block text-slate-600 tabular-nums">{formatBytes(image.bytesIn)}, kept as it was</span>;
  }
  const smaller = (image.savedPercent ?? 0) >= 0;
  return (
    <span className="block text-slate-600 tabular-nums">
      {formatBytes(image.bytesIn)} → {formatBytes(image.bytesOut)}{" "}
      <span className={smaller ? "text-emerald-700" : "text-amber-700"}>
        ({smaller ? "−" : "+"}
        {Math.abs(image.savedPercent ?? 0)}%)
      </span>
    </span>
  );
}

function TrialCompare({ image }: { image: TrialImage }) {
  if (image.status === "failed" || !image.afterUrl || !image.width || !image.height) {
    return (
      <p data-testid="trial-error" className="text-sm text-rose-700">
        <span className="font-semibold">Could not try it:</span> {image.error}
        <span className="block truncate text-xs text-slate-400" title={image.inputUrl}>
          {image.inputUrl}
        </span>
      </p>
    );
  }
  return (
    <div className="space-y-1">
      <p data-testid="trial-summary" className="text-sm text-slate-700 tabular-nums">
        {formatBytes(image.bytesIn)} → {formatBytes(image.bytesOut)},{" "}
        <span className="font-semibold">
          {Math.abs(image.savedPercent ?? 0)}% {(image.savedPercent ?? 0) >= 0 ? "smaller" : "larger"}
        </span>{" "}
        · {image.format?.toUpperCase()} · {image.width}×{image.height}
        {image.optimized === false ? " · kept the original (already optimal)" : ""}
      </p>
      <CompareView
        before={{ src: image.beforeUrl ?? image.afterUrl, label: "Original" }}
        after={{ src: image.afterUrl, label: "Compressed" }}
        width={image.width}
        height={image.height}
      />
      <p className="truncate text-xs text-slate-400" title={image.inputUrl}>
        {image.inputUrl}
      </p>
    </div>
  );
}
