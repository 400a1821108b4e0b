import type { Metadata } from "next";
import { Fragment, type ReactNode } from "react";
import { config } from "@/lib/config";
import { openApiDocument } from "@/lib/openapi";

export const metadata: Metadata = { title: "API reference" };

// Rendered per request: the curl examples use the running server's PUBLIC_BASE_URL, not the build machine's.
export const dynamic = "force-dynamic";

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
};
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: Schema };
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
};

/** The API reference, rendered from the same OpenAPI document that `/api/openapi.json` serves. */
export default function ApiDocsPage() {
  const document = openApiDocument();
  const origin = config.publicBaseUrl;
  const all = Object.entries(document.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, Operation>).map(([method, operation]) => ({ path, method, operation })),
  );
  const canonical = all.filter(({ operation }) => !operation.tags?.includes("Aliases"));
  const aliases = all.filter(({ operation }) => operation.tags?.includes("Aliases"));
  const schemas = Object.entries((document.components?.schemas ?? {}) as Record<string, Schema>);

  return (
    <div className="mx-auto max-w-4xl space-y-8">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">API reference</h1>
        <p className="mt-2 text-slate-600">
          <Prose text={document.info.description ?? ""} />
        </p>
        <p className="mt-2 text-sm text-slate-600">
          Machine-readable:{" "}
          <a className="font-medium text-indigo-700 underline underline-offset-2" href="/api/openapi.json">
            /api/openapi.json
          </a>{" "}
          (OpenAPI {document.openapi}).
        </p>
      </header>

      <section aria-labelledby="curl-title" className="rounded-xl border border-slate-200 bg-white p-4 shadow-xs">
        <h2 id="curl-title" className="text-lg font-semibold text-slate-900">
          Try it with curl
        </h2>
        <pre className="mt-3 overflow-x-auto rounded-lg bg-slate-900 p-3 text-sm text-slate-100">
          {[
            `curl -F file=@products.csv -F quality=50 ${origin}/api/csv/upload`,
            `curl ${origin}/api/csv/status/<requestId>`,
            `curl -OJ ${origin}/api/csv/download/<requestId>`,
          ].join("\n")}
        </pre>
      </section>

      {canonical.map(({ path, method, operation }) => (
        <OperationSection
          key={`${method} ${path}`}
          path={path}
          method={method}
          operation={operation}
          aliases={aliases.filter((alias) => alias.operation.operationId?.startsWith(`${operation.operationId}At`))}
        />
      ))}

      <section aria-labelledby="schemas-title" className="space-y-4">
        <h2 id="schemas-title" className="text-xl font-semibold tracking-tight text-slate-900">
          Schemas
        </h2>
        {schemas.map(([name, schema]) => (
          <section
            key={name}
            id={`schema-${name}`}
            aria-labelledby={`schema-${name}-title`}
            className="scroll-mt-4 rounded-xl border border-slate-200 bg-white p-4 shadow-xs"
          >
            <h3 id={`schema-${name}-title`} className="font-mono text-base font-semibold text-slate-900">
              {name}
            </h3>
            {schema.description ? (
              <p className="mt-1 text-sm text-slate-600">
                <Prose text={schema.description} />
              </p>
            ) : null}
            {schema.properties ? (
              <FieldTable properties={schema.properties} required={schema.required ?? []} />
            ) : (
              <p className="mt-2 text-sm text-slate-700">
                <TypeName schema={schema} />
              </p>
            )}
          </section>
        ))}
      </section>
    </div>
  );
}

function OperationSection({
  path,
  method,
  operation,
  aliases,
}: {
  path: string;
  method: string;
  operation: Operation;
  aliases: { path: string }[];
}) {
  const id = `${method}-${path}`.replace(/\W+/g, "-");
  const body = operation.requestBody ? Object.entries(operation.requestBody.content)[0] : null;
  return (
    <section aria-labelledby={id} className="rounded-xl border border-slate-200 bg-white p-4 shadow-xs">
      <h2 id={id} className="flex flex-wrap items-baseline gap-2 font-mono text-base">
        <span className="rounded bg-slate-800 px-2 py-0.5 text-xs font-semibold text-white uppercase">{method}</span>
        <span className="break-all text-slate-900">{path}</span>
      </h2>
      {aliases.length > 0 ? (
        <p className="mt-1 text-xs text-slate-500">
          Also at{" "}
          {aliases.map((alias, index) => (
            <Fragment key={alias.path}>
              {index > 0 ? ", " : null}
              <code className="rounded bg-slate-100 px-1">{alias.path}</code>
            </Fragment>
          ))}
        </p>
      ) : null}
      {operation.summary ? <p className="mt-2 font-medium text-slate-800">{operation.summary}</p> : null}
      {operation.description ? (
        <p className="mt-1 text-sm text-slate-600">
          <Prose text={operation.description} />
        </p>
      ) : null}

      {operation.parameters?.length ? (
        <>
          <h3 className="mt-4 text-sm font-semibold text-slate-800">Parameters</h3>
          <ul className="mt-1 space-y-1 text-sm text-slate-700">
            {operation.parameters.map((parameter) => (
              <li key={`${parameter.in}-${parameter.name}`}>
                <code className="rounded bg-slate-100 px-1">{parameter.name}</code> ({parameter.in}
                {parameter.schema ? (
                  <>
                    , <TypeName schema={parameter.schema} />
                  </>
                ) : null}
                {parameter.schema?.default !== undefined ? `, default ${String(parameter.schema.default)}` : null})
                {parameter.description ? (
                  <>
                    {" "}
                    — <Prose text={parameter.description} />
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {body?.[1].schema.properties ? (
        <>
          <h3 className="mt-4 text-sm font-semibold text-slate-800">
            Body <span className="font-normal text-slate-500">({body[0]})</span>
          </h3>
          <FieldTable properties={body[1].schema.properties} required={body[1].schema.required ?? []} />
        </>
      ) : null}

      <h3 className="mt-4 text-sm font-semibold text-slate-800">Responses</h3>
      <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
        {Object.entries(operation.responses).map(([code, response]) => {
          const content = response.content ? Object.entries(response.content)[0] : null;
          return (
            <div key={code} className="contents">
              <dt className="font-mono font-semibold text-slate-800">{code}</dt>
              <dd className="text-slate-600">
                <Prose text={response.description} />
                {content ? (
                  <span className="text-slate-500">
                    {" "}
                    · {content[0]} <TypeName schema={content[1].schema} />
                  </span>
                ) : null}
              </dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}

function FieldTable({ properties, required }: { properties: Record<string, Schema>; required: string[] }) {
  return (
    <div className="mt-2 overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">
              Field
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Type
            </th>
            <th scope="col" className="py-1 font-medium">
              Meaning
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {Object.entries(properties).map(([name, field]) => (
            <tr key={name}>
              <td className="py-1 pr-3 font-mono text-slate-900">
                {name}
                {required.includes(name) ? null : <span className="text-slate-400">?</span>}
              </td>
              <td className="py-1 pr-3 text-slate-700">
                <TypeName schema={field} />
              </td>
              <td className="py-1 text-slate-600">{field.description ? <Prose text={field.description} /> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A schema's type in a few words, with a link to a named schema. */
function TypeName({ schema }: { schema: Schema }): ReactNode {
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop() ?? schema.$ref;
    return (
      <a href={`#schema-${name}`} className="font-mono text-indigo-700 underline-offset-2 hover:underline">
        {name}
      </a>
    );
  }
  if (schema.enum)
    return <span className="font-mono">{schema.enum.map((value) => JSON.stringify(value)).join(" | ")}</span>;
  if (schema.const !== undefined) return <span className="font-mono">{JSON.stringify(schema.const)}</span>;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.includes("array") && schema.items) {
    return (
      <>
        array of <TypeName schema={schema.items} />
      </>
    );
  }
  const range =
    schema.minimum !== undefined && schema.maximum !== undefined ? ` ${schema.minimum}–${schema.maximum}` : "";
  return (
    <span className="font-mono">
      {types.join(" | ") || "any"}
      {schema.format ? ` (${schema.format})` : ""}
      {range}
    </span>
  );
}

/** Descriptions mark code with backticks; shown as code, never as raw Markdown. */
function Prose({ text }: { text: string }) {
  return (
    <>
      {text.split(/(`[^`]+`)/).map((part, index) =>
        part.startsWith("`") && part.endsWith("`") && part.length > 1 ? (
          <code key={index} className="rounded bg-slate-100 px-1 text-[0.9em]">
            {part.slice(1, -1)}
          </code>
        ) : (
          <Fragment key={index}>{part}</Fragment>
        ),
      )}
    </>
  );
}
