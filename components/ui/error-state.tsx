"use client";

import Link from "next/link";
import { useEffect } from "react";

/**
 * What a person sees when a page could not be rendered. Server errors arrive without their message in
 * production (by design: no internals leak); the digest lets support find the server log line.
 */
export function ErrorState({
  error,
  retry,
  title,
  message,
}: {
  error: unknown;
  retry: () => void;
  title: string;
  message: string;
}) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest =
    error && typeof error === "object" && "digest" in error && typeof error.digest === "string" ? error.digest : null;
  return (
    <div
      role="alert"
      className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-6 text-center shadow-sm sm:p-10"
    >
      <span
        aria-hidden="true"
        className="mx-auto grid size-12 place-items-center rounded-full bg-rose-50 text-rose-600 ring-1 ring-rose-600/20"
      >
        <svg
          viewBox="0 0 24 24"
          className="size-6"
          fill="none"
          stroke="currentColor"
          strokeWidth={2}
          strokeLinecap="round"
          strokeLinejoin="round"
        >
          <path d="M12 9v4M12 17h.01" />
          <path d="M10.3 3.86 1.82 18a2 2 0 0 0 1.71 3h16.94a2 2 0 0 0 1.71-3L13.7 3.86a2 2 0 0 0-3.4 0Z" />
        </svg>
      </span>
      <h1 className="mt-4 text-xl font-semibold tracking-tight">{title}</h1>
      <p className="mt-2 text-sm text-slate-600">{message}</p>
      <div className="mt-6 flex flex-col justify-center gap-2 sm:flex-row">
        <button
          type="button"
          onClick={() => retry()}
          className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500"
        >
          Try again
        </button>
        <Link
          href="/"
          className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 shadow-xs hover:bg-slate-50"
        >
          Back to the dashboard
        </Link>
      </div>
      {digest ? <p className="mt-6 text-xs text-slate-400">Reference for support: {digest}</p> : null}
    </div>
  );
}
