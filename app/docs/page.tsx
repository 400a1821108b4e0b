import type { Metadata } from "next";
import { config } from "@/lib/config";
import { openApiDocument } from "@/lib/openapi";

export const metadata: Metadata = { title: "API · CSV Image Compressor" };

// Rendered per request: the curl examples use the running server's PUBLIC_BASE_URL, not the build machine's.
export const dynamic = "force-dynamic";

type Operation = {
  summary: string;
  description?: string;
  parameters?: readonly { name: string; in: string; description?: string; schema?: { default?: unknown } }[];
  responses: Record<string, { description: string }>;
};

/** The API reference, rendered from the same OpenAPI document that `/api/openapi.json` serves. */
export default function ApiDocsPage() {
  const origin = config.publicBaseUrl;
  const operations = Object.entries(openApiDocument.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, Operation>).map(([method, operation]) => ({ path, method, operation })),
  );

  return (
    <main className="mx-auto max-w-4xl px-4 py-8 sm:px-6">
      <h1 className="text-2xl font-semibold text-slate-900">API reference</h1>
      <p className="mt-2 text-slate-600">{openApiDocument.info.description}</p>
      <p className="mt-2 text-sm text-slate-600">
        Machine-readable:{" "}
        <a className="text-blue-700 underline" href="/api/openapi.json">
          /api/openapi.json
        </a>{" "}
        (OpenAPI {openApiDocument.openapi}).
      </p>

      <section className="mt-8 rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="text-lg font-semibold text-slate-900">Try it with curl</h2>
        <pre className="mt-3 overflow-x-auto rounded bg-slate-900 p-3 text-sm text-slate-100">
          {[
            `curl -F file=@products.csv -F quality=50 ${origin}/api/csv/upload`,
            `curl ${origin}/api/csv/status/<requestId>`,
            `curl -OJ ${origin}/api/csv/download/<requestId>`,
          ].join("\n")}
        </pre>
      </section>

      {operations.map(({ path, method, operation }) => (
        <section
          key={`${method} ${path}`}
          className="mt-6 rounded-lg border border-slate-200 bg-white p-4"
          aria-labelledby={`${method}-${path}`}
        >
          <h2 id={`${method}-${path}`} className="flex flex-wrap items-baseline gap-2 font-mono text-base">
            <span className="rounded bg-slate-800 px-2 py-0.5 text-xs font-semibold uppercase text-white">
              {method}
            </span>
            <span className="break-all text-slate-900">{path}</span>
          </h2>
          <p className="mt-2 font-medium text-slate-800">{operation.summary}</p>
          {operation.description && <p className="mt-1 text-sm text-slate-600">{operation.description}</p>}
          {operation.parameters && operation.parameters.length > 0 && (
            <ul className="mt-3 space-y-1 text-sm text-slate-700">
              {operation.parameters.map((parameter) => (
                <li key={parameter.name}>
                  <code className="rounded bg-slate-100 px-1">{parameter.name}</code> ({parameter.in})
                  {parameter.schema?.default !== undefined && `, default ${String(parameter.schema.default)}`}
                  {parameter.description && ` — ${parameter.description}`}
                </li>
              ))}
            </ul>
          )}
          <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
            {Object.entries(operation.responses).map(([code, response]) => (
              <div key={code} className="contents">
                <dt className="font-mono font-semibold text-slate-800">{code}</dt>
                <dd className="text-slate-600">{response.description}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </main>
  );
}
