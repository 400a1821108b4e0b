"use client";

import { useEffect, useRef, type ReactNode } from "react";
import { CompareView, type CompareSide } from "./compare-view";

/**
 * A modal compare of one image: the browser's own dialog, so Escape closes it, focus stays inside
 * and returns to the button that opened it.
 */
export function CompareDialog({
  title,
  summary,
  before,
  after,
  width,
  height,
  note,
  onClose,
}: {
  title: string;
  summary: ReactNode;
  before: CompareSide;
  after: CompareSide;
  width: number;
  height: number;
  /** Said under the pictures: what the before is when it is not the full-size copy. */
  note?: string | null;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  // Opened once it is in the page; taken out of the page, a dialog stops being modal by itself. It is
  // not closed on cleanup: React's development mode runs cleanups at once, and the close event
  // that followed told the parent to take the compare away as soon as it opened.
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      onClose={onClose}
      aria-labelledby="compare-dialog-title"
      data-testid="compare-dialog"
      className="m-auto w-[min(64rem,calc(100vw-1.5rem))] max-w-none rounded-xl bg-white p-0 shadow-xl backdrop:bg-slate-900/60"
    >
      <div className="space-y-3 p-4">
        <header className="flex items-start justify-between gap-3">
          <div className="min-w-0">
            <h2 id="compare-dialog-title" className="truncate font-semibold text-slate-900">
              {title}
            </h2>
            <div className="text-sm text-slate-600">{summary}</div>
          </div>
          <button
            type="button"
            onClick={() => dialog.current?.close()}
            className="rounded-md px-2.5 py-1 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            Close
          </button>
        </header>
        <CompareView before={before} after={after} width={width} height={height} />
        {note ? <p className="text-xs text-slate-500">{note}</p> : null}
      </div>
    </dialog>
  );
}
