"use client";

import { formatLocal, formatRelative, formatUtc } from "@/lib/format";
import { useNow } from "@/components/hooks/use-now";

/** "3 minutes ago", with the exact local date and time in its tooltip. */
export function RelativeTime({ iso, className }: { iso: string; className?: string }) {
  const now = useNow();
  return (
    <time dateTime={iso} title={now === null ? formatUtc(iso) : formatLocal(iso)} className={className}>
      {now === null ? formatUtc(iso) : formatRelative(iso, now)}
    </time>
  );
}
