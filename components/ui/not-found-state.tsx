import Link from "next/link";

export function NotFoundState({ title, message }: { title: string; message: string }) {
  return (
    <div
      data-testid="not-found"
      className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-6 text-center shadow-sm sm:p-10"
    >
      <p className="text-sm font-semibold text-indigo-600">404</p>
      <h1 className="mt-2 text-xl font-semibold tracking-tight sm:text-2xl">{title}</h1>
      <p className="mt-2 text-sm text-slate-600">{message}</p>
      <div className="mt-6 flex flex-col justify-center gap-2 sm:flex-row">
        <Link
          href="/"
          className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500"
        >
          Go to the dashboard
        </Link>
        <Link
          href="/docs"
          className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 shadow-xs hover:bg-slate-50"
        >
          Read the API docs
        </Link>
      </div>
    </div>
  );
}
