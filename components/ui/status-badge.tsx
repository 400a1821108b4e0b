import type { ImageState, RequestState, WebhookState } from "@/lib/contract";

type BadgeState = RequestState | ImageState | WebhookState;

const styles: Record<BadgeState, { label: string; className: string; dot: string }> = {
  processing: {
    label: "Processing",
    className: "bg-amber-50 text-amber-800 ring-amber-600/20",
    dot: "bg-amber-500 animate-pulse",
  },
  pending: { label: "Waiting", className: "bg-slate-100 text-slate-700 ring-slate-500/20", dot: "bg-slate-400" },
  completed: {
    label: "Completed",
    className: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
    dot: "bg-emerald-500",
  },
  delivered: {
    label: "Delivered",
    className: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
    dot: "bg-emerald-500",
  },
  failed: { label: "Failed", className: "bg-rose-50 text-rose-800 ring-rose-600/20", dot: "bg-rose-500" },
  cancelled: {
    label: "Cancelled",
    className: "bg-zinc-100 text-zinc-700 ring-zinc-500/20",
    dot: "bg-zinc-400",
  },
};

export function StatusBadge({
  status,
  label,
  className = "",
}: {
  status: BadgeState;
  label?: string;
  className?: string;
}) {
  const style = styles[status];
  return (
    <span
      data-testid="status-badge"
      data-status={status}
      className={`inline-flex shrink-0 items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${style.className} ${className}`}
    >
      <span aria-hidden="true" className={`size-1.5 rounded-full ${style.dot}`} />
      {label ?? style.label}
    </span>
  );
}
