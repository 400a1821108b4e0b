"use client";

import { useEffect, useState } from "react";

type Outcome = "idle" | "copied" | "failed";

/**
 * Copies a text to the clipboard and says so for two seconds (to screen readers too). Where the
 * browser refuses the clipboard (an insecure origin, a denied permission), it says how to copy by hand.
 */
export function CopyButton({ text, label = "Copy", testId }: { text: string; label?: string; testId?: string }) {
  const [outcome, setOutcome] = useState<Outcome>("idle");

  useEffect(() => {
    if (outcome === "idle") return;
    const timer = setTimeout(() => setOutcome("idle"), 2_000);
    return () => clearTimeout(timer);
  }, [outcome]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setOutcome("copied");
    } catch {
      setOutcome("failed");
    }
  }

  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        onClick={() => void copy()}
        data-testid={testId}
        className="shrink-0 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
      >
        {outcome === "copied" ? "Copied" : label}
      </button>
      <span role="status" aria-live="polite" className="text-xs text-slate-600">
        {outcome === "copied" ? "Copied to the clipboard" : outcome === "failed" ? "Select it and copy by hand" : ""}
      </span>
    </span>
  );
}
