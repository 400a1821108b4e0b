"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { RequestSummary } from "@/lib/contract";
import { plural } from "@/lib/format";
import { cancelRequest, deleteRequest, retryRequest } from "@/components/api/client";

type Action = "retry" | "cancel" | "delete";

/**
 * What the owner of a request can do to it: try its failed images again once it is finished, cancel
 * it while it is processing, delete it. Cancel and delete ask first; every answer refreshes what the
 * dashboard shows. `onDeleted` runs after a delete (the request page leaves for the list).
 */
export function RequestActions({
  request,
  size = "md",
  onDeleted,
}: {
  request: RequestSummary;
  size?: "sm" | "md";
  onDeleted?: () => void;
}) {
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState<Action | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const { progress } = request;
  const toRetry = progress.failedImages + progress.cancelledImages;
  // A cancelled request is finished once its images under way are back: `completedAt` says so.
  const finished = request.completedAt !== null;

  async function run(action: Action, call: () => Promise<unknown>) {
    setBusy(action);
    setProblem(null);
    try {
      await call();
      if (action === "delete") onDeleted?.();
      await queryClient.invalidateQueries();
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(null);
    }
  }

  function cancel() {
    const confirmed = window.confirm(
      `Cancel "${request.fileName}"? Images not started yet will not be processed; those under way may still finish. The output CSV will hold what was done.`,
    );
    if (confirmed) void run("cancel", () => cancelRequest(request.requestId));
  }

  function remove() {
    const confirmed = window.confirm(
      `Delete "${request.fileName}"? Its uploaded CSV, compressed images and output CSV are removed for good; links to them stop working.`,
    );
    if (confirmed) void run("delete", () => deleteRequest(request.requestId));
  }

  const button = `relative z-10 inline-flex items-center justify-center rounded-lg font-medium ring-1 ring-inset disabled:cursor-not-allowed disabled:opacity-60 ${
    size === "sm" ? "px-2 py-1 text-xs" : "px-3 py-2 text-sm"
  }`;
  return (
    <div className="space-y-1.5">
      <div className="flex flex-wrap gap-2 sm:justify-end" data-testid="request-actions">
        {finished && toRetry > 0 ? (
          <button
            type="button"
            onClick={() => void run("retry", () => retryRequest(request.requestId))}
            disabled={busy !== null}
            data-testid="retry-request"
            className={`${button} bg-white text-indigo-700 ring-indigo-600/30 hover:bg-indigo-50`}
          >
            {busy === "retry"
              ? "Retrying…"
              : progress.failedImages > 0
                ? `Retry ${plural(toRetry, "failed image")}`
                : `Process ${plural(toRetry, "cancelled image")}`}
          </button>
        ) : null}
        {request.status === "processing" ? (
          <button
            type="button"
            onClick={cancel}
            disabled={busy !== null}
            data-testid="cancel-request"
            className={`${button} bg-white text-slate-700 ring-slate-300 hover:bg-slate-50`}
          >
            {busy === "cancel" ? "Cancelling…" : "Cancel"}
          </button>
        ) : null}
        <button
          type="button"
          onClick={remove}
          disabled={busy !== null}
          data-testid="delete-request"
          className={`${button} bg-white text-rose-700 ring-rose-600/30 hover:bg-rose-50`}
        >
          {busy === "delete" ? "Deleting…" : "Delete"}
        </button>
      </div>
      {problem ? (
        <p
          role="alert"
          data-testid="request-action-error"
          className="relative z-10 text-xs text-rose-700 sm:text-right"
        >
          {problem}
        </p>
      ) : null}
    </div>
  );
}
