import "server-only";
import { sumSavingsByDay } from "@/db/savings";
import type { Client } from "@/lib/auth/identify-client";
import type { Savings, SavingsDay } from "@/lib/contract";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Bytes the client's own uploads saved, per day (UTC) over the last `days` days, today included;
 * days without uploads hold zeros so a chart has no gaps. A client that owns nothing has saved nothing.
 */
export async function loadSavings(
  client: Client,
  { days, now = new Date() }: { days: number; now?: Date },
): Promise<Savings> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = new Date(today - (days - 1) * DAY_MS);
  const rows = client.owner ? await sumSavingsByDay({ owner: client.owner, since }) : [];
  const byDate = new Map(rows.map((row) => [row.date, row]));
  const series: SavingsDay[] = Array.from({ length: days }, (_, index) => {
    const date = new Date(since.getTime() + index * DAY_MS).toISOString().slice(0, 10);
    const row = byDate.get(date) ?? { requests: 0, bytesIn: 0, bytesOut: 0 };
    return { date, ...dayTotals(row) };
  });
  const sum = (pick: (day: SavingsDay) => number) => series.reduce((total, day) => total + pick(day), 0);
  return {
    days: series,
    totals: dayTotals({
      requests: sum((day) => day.requests),
      bytesIn: sum((day) => day.bytesIn),
      bytesOut: sum((day) => day.bytesOut),
    }),
  };
}

function dayTotals({ requests, bytesIn, bytesOut }: { requests: number; bytesIn: number; bytesOut: number }) {
  return { requests, bytesIn, bytesOut, bytesSaved: bytesIn - bytesOut };
}
