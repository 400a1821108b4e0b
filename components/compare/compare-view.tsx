"use client";

import { useId, useState } from "react";

export type CompareSide = { src: string; label: string };

/**
 * Before and after on top of each other with a divider to drag (or move with the arrow keys): left
 * of it the before, right of it the after. "Fit" shows the whole picture; "Actual size" shows the
 * output's pixels one for one, scrolled in a frame. Both pictures come from this app, never from
 * the uploader's URLs.
 */
export function CompareView({
  before,
  after,
  width,
  height,
  testId = "compare-view",
}: {
  before: CompareSide;
  after: CompareSide;
  /** The output's size: both pictures are drawn at it, so they line up pixel for pixel. */
  width: number;
  height: number;
  testId?: string;
}) {
  const [divider, setDivider] = useState(50);
  const [zoom, setZoom] = useState<"fit" | "actual">("fit");
  const ids = { slider: useId(), zoom: useId() };
  const picture = "absolute inset-0 h-full w-full select-none";
  return (
    <div data-testid={testId} data-zoom={zoom} className="space-y-2">
      <div className="flex flex-wrap items-center justify-between gap-2 text-xs text-slate-600">
        <span>
          <span className="font-medium text-slate-800">{before.label}</span> on the left,{" "}
          <span className="font-medium text-slate-800">{after.label}</span> on the right
        </span>
        <span role="group" aria-label="Zoom" className="inline-flex overflow-hidden rounded-md ring-1 ring-slate-300">
          {(
            [
              ["fit", "Fit"],
              ["actual", "Actual size"],
            ] as const
          ).map(([value, label]) => (
            <button
              key={value}
              type="button"
              aria-pressed={zoom === value}
              onClick={() => setZoom(value)}
              className="px-2.5 py-1 font-medium aria-pressed:bg-slate-800 aria-pressed:text-white hover:bg-slate-100 aria-pressed:hover:bg-slate-800"
            >
              {label}
            </button>
          ))}
        </span>
      </div>
      <div
        data-testid="compare-frame"
        className={`rounded-lg bg-[repeating-conic-gradient(#e2e8f0_0_25%,#fff_0_50%)] bg-[length:16px_16px] ring-1 ring-slate-200 ${zoom === "actual" ? "max-h-[70vh] overflow-auto" : ""}`}
      >
        <div
          className="relative mx-auto"
          style={
            zoom === "actual"
              ? { width, height }
              : { width: "100%", maxWidth: width, aspectRatio: `${width} / ${height}`, maxHeight: "70vh" }
          }
        >
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src={after.src} alt={after.label} data-testid="compare-after" draggable={false} className={picture} />
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img
            src={before.src}
            alt={before.label}
            data-testid="compare-before"
            draggable={false}
            className={picture}
            style={{ clipPath: `inset(0 ${100 - divider}% 0 0)` }}
          />
          <div
            aria-hidden="true"
            className="pointer-events-none absolute inset-y-0 w-0.5 -translate-x-1/2 bg-white shadow-[0_0_0_1px_rgb(15_23_42/0.4)]"
            style={{ left: `${divider}%` }}
          />
        </div>
      </div>
      <label htmlFor={ids.slider} className="sr-only">
        Divider between {before.label.toLowerCase()} and {after.label.toLowerCase()}
      </label>
      <input
        id={ids.slider}
        type="range"
        min={0}
        max={100}
        step={1}
        value={divider}
        onChange={(event) => setDivider(Number(event.target.value))}
        data-testid="compare-divider"
        className="w-full accent-indigo-600"
      />
    </div>
  );
}
