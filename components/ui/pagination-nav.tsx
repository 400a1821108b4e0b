import Link from "next/link";
import type { Pagination } from "@/lib/contract";

/** Previous / next links that keep the page in the URL, so a page can be shared and reloaded. */
export function PaginationNav({
  pagination,
  href,
  label,
  itemName,
}: {
  pagination: Pagination;
  href: (page: number) => string;
  label: string;
  itemName: string;
}) {
  const { page, pageSize, totalItems, totalPages } = pagination;
  if (totalPages <= 1) return null;
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(totalItems, page * pageSize);
  const linkClass =
    "inline-flex items-center gap-1 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-xs hover:bg-slate-50";
  const disabledClass =
    "inline-flex items-center gap-1 rounded-md border border-slate-200 bg-slate-50 px-3 py-1.5 text-sm font-medium text-slate-400";
  return (
    <nav aria-label={label} className="flex flex-wrap items-center justify-between gap-3 pt-4 text-sm text-slate-600">
      <p>
        {itemName} {first.toLocaleString("en-US")}–{last.toLocaleString("en-US")} of{" "}
        {totalItems.toLocaleString("en-US")}
      </p>
      <div className="flex items-center gap-2">
        {page > 1 ? (
          <Link href={href(page - 1)} className={linkClass} rel="prev" scroll={false}>
            <span aria-hidden="true">←</span> Previous
          </Link>
        ) : (
          <span className={disabledClass} aria-disabled="true">
            <span aria-hidden="true">←</span> Previous
          </span>
        )}
        <span className="px-1 tabular-nums">
          Page {page} of {totalPages}
        </span>
        {page < totalPages ? (
          <Link href={href(page + 1)} className={linkClass} rel="next" scroll={false}>
            Next <span aria-hidden="true">→</span>
          </Link>
        ) : (
          <span className={disabledClass} aria-disabled="true">
            Next <span aria-hidden="true">→</span>
          </span>
        )}
      </div>
    </nav>
  );
}
