import Link from "next/link";

/** Shown instead of a page's data while the database cannot be reached. */
export function DatabaseUnavailable({ retryHref }: { retryHref: string }) {
  return (
    <div
      role="alert"
      data-testid="database-unavailable"
      className="mx-auto max-w-lg rounded-2xl border border-amber-200 bg-amber-50 p-6 text-center shadow-sm sm:p-10"
    >
      <h1 className="text-lg font-semibold text-amber-950">The database cannot be reached right now</h1>
      <p className="mt-2 text-sm text-amber-900">
        Uploads and their images are safe; this page works again as soon as the database is back. Operators:{" "}
        {/* A JSON answer, not a page: a plain link, never a client-side navigation. */}
        {/* eslint-disable-next-line @next/next/no-html-link-for-pages */}
        <a href="/api/health" className="font-medium underline underline-offset-2">
          /api/health
        </a>{" "}
        says what is wrong.
      </p>
      <Link
        href={retryHref}
        prefetch={false}
        className="mt-5 inline-flex rounded-lg bg-amber-900 px-4 py-2 text-sm font-semibold text-white hover:bg-amber-800"
      >
        Try again
      </Link>
    </div>
  );
}
