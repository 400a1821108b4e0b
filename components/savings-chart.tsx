import type { Savings } from "@/lib/contract";
import { formatBytes, formatCount, plural } from "@/lib/format";

const WIDTH = 600;
const HEIGHT = 120;
const GAP = 2;

/**
 * Bytes saved per day as bars, drawn as plain SVG on the server: no script, no inline style, so it
 * stands under the pages' Content-Security-Policy. The same numbers are in a table for those who
 * cannot see the bars.
 */
export function SavingsChart({ savings }: { savings: Savings }) {
  const { days, totals } = savings;
  const largest = Math.max(1, ...days.map((day) => day.bytesSaved));
  const slot = WIDTH / days.length;
  const first = days[0].date;
  const last = days[days.length - 1].date;
  const summary = `${formatBytes(Math.max(0, totals.bytesSaved))} saved by ${plural(totals.requests, "upload")} in the last ${days.length} days`;

  return (
    <section
      aria-labelledby="savings-title"
      data-testid="savings"
      className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="savings-title" className="text-lg font-semibold tracking-tight">
          Savings over time
        </h2>
        <p data-testid="savings-total" className="text-sm text-slate-600">
          <span className="font-semibold text-emerald-700">{formatBytes(Math.max(0, totals.bytesSaved))}</span> saved by{" "}
          {plural(totals.requests, "upload")} in the last {days.length} days
        </p>
      </div>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Bytes saved per day, ${formatDay(first)} to ${formatDay(last)}: ${summary}.`}
        className="mt-4 h-28 w-full"
      >
        <line x1={0} y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} className="stroke-slate-200" strokeWidth={1} />
        {days.map((day, index) => {
          const height = day.bytesSaved > 0 ? Math.max(2, (day.bytesSaved / largest) * (HEIGHT - 4)) : 0;
          return (
            <rect
              key={day.date}
              data-testid="savings-bar"
              data-date={day.date}
              x={index * slot + GAP / 2}
              y={HEIGHT - height}
              width={Math.max(1, slot - GAP)}
              height={height}
              rx={1.5}
              className="fill-emerald-500"
            >
              <title>{`${formatDay(day.date)}: ${formatBytes(Math.max(0, day.bytesSaved))} saved`}</title>
            </rect>
          );
        })}
      </svg>
      <div className="mt-1 flex justify-between text-xs text-slate-500" aria-hidden="true">
        <span>{formatDay(first)}</span>
        <span>{formatDay(last)}</span>
      </div>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer text-slate-600 hover:text-slate-900">Show as a table</summary>
        <table data-testid="savings-table" className="mt-2 w-full text-left text-sm tabular-nums">
          <caption className="sr-only">Bytes saved per day (UTC)</caption>
          <thead className="text-xs text-slate-500">
            <tr>
              <th scope="col" className="py-1 font-medium">
                Day (UTC)
              </th>
              <th scope="col" className="py-1 font-medium">
                Uploads
              </th>
              <th scope="col" className="py-1 text-right font-medium">
                Saved
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {days
              .filter((day) => day.requests > 0)
              .map((day) => (
                <tr key={day.date} data-testid="savings-row">
                  <th scope="row" className="py-1 font-normal">
                    {formatDay(day.date)}
                  </th>
                  <td className="py-1">{formatCount(day.requests)}</td>
                  <td className="py-1 text-right">
                    {day.bytesSaved >= 0
                      ? formatBytes(day.bytesSaved)
                      : `none (${formatBytes(-day.bytesSaved)} larger)`}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

/** "7 Dec": the day as the chart's axis and table name it (UTC, as the days are counted). */
function formatDay(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
}
