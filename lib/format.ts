/**
 * Sizes, counts, savings and times as people read them; shared by server messages and the dashboard.
 */

const KB = 1024;

/** "25 MB", "1.5 KB", "512 B"; "—" when there is nothing to show. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  if (bytes < KB) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / KB;
  let unit = 0;
  while (value >= KB && unit < units.length - 1) {
    value /= KB;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${units[unit]}`;
}

/** "1 image", "2 images", "1,024 images". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

export function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

/** The share of bytes saved, e.g. 0.64 for 1 MB → 360 KB; null when nothing was measured. */
export function savingRatio(bytesIn: number | null | undefined, bytesOut: number | null | undefined): number | null {
  if (!bytesIn || bytesOut === null || bytesOut === undefined) return null;
  return 1 - bytesOut / bytesIn;
}

export function formatSaving(ratio: number | null): string {
  if (ratio === null) return "—";
  const percent = ratio * 100;
  if (Math.abs(percent) < 0.05) return "0%";
  return `${percent >= 10 || percent <= -10 ? Math.round(percent) : percent.toFixed(1)}%`;
}

/** A fixed, locale-independent form used for the server render, so hydration matches in every time zone. */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  return `${date.toLocaleString("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC" })} UTC`;
}

export function formatLocal(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

export function formatRelative(iso: string, now: number): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 22 * 3600) return relative.format(Math.round(seconds / 3600), "hour");
  if (abs < 26 * 86400) return relative.format(Math.round(seconds / 86400), "day");
  if (abs < 320 * 86400) return relative.format(Math.round(seconds / (30 * 86400)), "month");
  return relative.format(Math.round(seconds / (365 * 86400)), "year");
}

export function formatDuration(fromIso: string, toIso: string): string {
  const seconds = Math.max(0, (new Date(toIso).getTime() - new Date(fromIso).getTime()) / 1000);
  if (seconds < 1) return "under a second";
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
