import type { CsvProblem } from "@/lib/csv/parse-product-csv";
import { formatCount } from "@/lib/format";

/** Problems with a file, each with the spreadsheet row it is on (the header is row 1). */
export function ProblemList({ problems, total, testId }: { problems: CsvProblem[]; total: number; testId: string }) {
  const hidden = Math.max(0, total - problems.length);
  return (
    <div>
      <ul
        data-testid={testId}
        className="max-h-80 divide-y divide-rose-100 overflow-y-auto rounded-lg border border-rose-200 bg-white text-sm"
      >
        {problems.map((problem, index) => (
          <li key={index} data-testid="problem" className="flex flex-col gap-0.5 px-3 py-2 sm:flex-row sm:gap-3">
            <span className="shrink-0 font-medium text-rose-800 sm:w-44">
              {problem.row === null ? "File" : `Row ${problem.row}`}
              {problem.column ? <span className="font-normal text-rose-700/80"> · {problem.column}</span> : null}
            </span>
            <span className="min-w-0 text-slate-700 [overflow-wrap:anywhere]">{problem.message}</span>
          </li>
        ))}
      </ul>
      {hidden > 0 ? (
        <p className="mt-2 text-sm text-rose-800">
          …and {formatCount(hidden)} more {hidden === 1 ? "problem" : "problems"} not listed here.
        </p>
      ) : null}
    </div>
  );
}
