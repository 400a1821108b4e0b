import type { Progress } from "@/lib/contract";

/**
 * Finished images out of all: processed in green, failed in red, cancelled in grey, so a glance tells
 * how it is going.
 * `percent` comes from the server (rounded down, 100 only when every image is finished).
 */
export function ProgressBar({
  progress,
  active,
  label,
  size = "md",
}: {
  progress: Progress;
  active: boolean;
  label: string;
  size?: "sm" | "md";
}) {
  const { totalImages, processedImages, failedImages, cancelledImages, percent } = progress;
  const share = (count: number) => (totalImages === 0 ? 0 : (count / totalImages) * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`${percent}% — ${processedImages} of ${totalImages} images compressed${failedImages ? `, ${failedImages} failed` : ""}${cancelledImages ? `, ${cancelledImages} cancelled` : ""}`}
      className={`flex w-full overflow-hidden rounded-full bg-slate-200 ${size === "sm" ? "h-1.5" : "h-3"}`}
    >
      <div
        className={`h-full bg-emerald-500 transition-[width] duration-500 ease-out ${active ? "progress-stripes" : ""}`}
        style={{ width: `${share(processedImages)}%` }}
      />
      <div
        className="h-full bg-rose-500 transition-[width] duration-500 ease-out"
        style={{ width: `${share(failedImages)}%` }}
      />
      <div
        className="h-full bg-zinc-400 transition-[width] duration-500 ease-out"
        style={{ width: `${share(cancelledImages)}%` }}
      />
    </div>
  );
}
