import type { Metadata } from "next";
import { Fragment, type ReactNode } from "react";
import { ScrollToFragment } from "@/components/ui/scroll-to-fragment";
import { config } from "@/lib/config";
import { ErrorCode } from "@/lib/contract";
import { errorTitles, statusOfCode } from "@/lib/errors";
import { openApiDocument } from "@/lib/openapi";

export const metadata: Metadata = { title: "API reference" };

// Rendered per request: the curl examples use the running server's PUBLIC_BASE_URL, not the build machine's.
export const dynamic = "force-dynamic";

type Schema = {
  $ref?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
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

  const sections = { canonical, schemas: schemas.map(([name]) => name) };
  const schemaByName = new Map(schemas);

  return (
    <div className="mx-auto max-w-6xl lg:grid lg:grid-cols-[14rem_1fr] lg:gap-8">
      <ScrollToFragment />
      <Contents {...sections} />
      <div className="min-w-0 space-y-8">
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
            schemas={schemaByName}
          />
        ))}

        <ErrorCodes />

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
    </div>
  );
}

/**
 * The table of contents: every operation, the error codes and the schemas, one link each. Beside the
 * page on a wide screen (and sticky); folded at its top on a phone.
 */
function Contents({ canonical, schemas }: { canonical: { path: string; method: string }[]; schemas: string[] }) {
  const list = (
    <nav aria-label="API reference contents" className="text-sm">
      <ol className="space-y-1">
        <li>
          <a className="text-indigo-700 hover:underline" href="#curl-title">
            Try it with curl
          </a>
        </li>
        <li className="pt-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Endpoints</li>
        {canonical.map(({ path, method }) => (
          <li key={`${method} ${path}`}>
            <a
              className="block truncate font-mono text-xs text-indigo-700 hover:underline"
              href={`#${operationId(method, path)}`}
            >
              <span className="font-semibold uppercase">{method}</span> {path}
            </a>
          </li>
        ))}
        <li className="pt-2">
          <a
            className="text-xs font-semibold tracking-wide text-slate-500 uppercase hover:underline"
            href="#errors-title"
          >
            Errors
          </a>
        </li>
        <li className="pt-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Schemas</li>
        {schemas.map((name) => (
          <li key={name}>
            <a className="font-mono text-xs text-indigo-700 hover:underline" href={`#schema-${name}`}>
              {name}
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
  return (
    <>
      <details className="mb-6 rounded-xl border border-slate-200 bg-white p-3 lg:hidden">
        <summary className="cursor-pointer font-medium text-slate-800">Contents</summary>
        <div className="mt-2">{list}</div>
      </details>
      <aside className="hidden lg:block">
        <div className="sticky top-4 max-h-[calc(100vh-2rem)] overflow-y-auto pr-2">{list}</div>
      </aside>
    </>
  );
}

/**
 * Every error code with its HTTP status and title. A problem answer's `type` is the URL of its row
 * here (`/docs#error-<code>`).
 */
function ErrorCodes() {
  return (
    <section
      aria-labelledby="errors-title"
      className="scroll-mt-4 rounded-xl border border-slate-200 bg-white p-4 shadow-xs"
    >
      <h2 id="errors-title" className="text-xl font-semibold tracking-tight text-slate-900">
        Errors
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        <Prose text="Every error answer is RFC 9457 problem details (`application/problem+json`): `type` (the URL of its row below), `title`, `status` and `detail`, beside `error` (a message for people) and `code` (for programs), plus the fields of its kind (`isValid` and `errors` of a refused upload; a request's summary, whose `status` stays the request's state)." />
      </p>
      <div className="mt-2 overflow-x-auto">
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-slate-500">
            <tr>
              <th scope="col" className="py-1 pr-3 font-medium">
                code
              </th>
              <th scope="col" className="py-1 pr-3 font-medium">
                status
              </th>
              <th scope="col" className="py-1 font-medium">
                title
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 align-top">
            {ErrorCode.options.map((code) => (
              <tr key={code} id={`error-${code}`} className="scroll-mt-4 target:bg-amber-50">
                <td className="py-1 pr-3 font-mono text-slate-900">{code}</td>
                <td className="py-1 pr-3 font-mono text-slate-700">{statusOfCode(code)}</td>
                <td className="py-1 text-slate-600">{errorTitles[code]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function operationId(method: string, path: string): string {
  return `${method}-${path}`.replace(/\W+/g, "-");
}

function OperationSection({
  path,
  method,
  operation,
  aliases,
  schemas,
}: {
  path: string;
  method: string;
  operation: Operation;
  aliases: { path: string }[];
  schemas: Map<string, Schema>;
}) {
  const id = operationId(method, path);
  const content = operation.requestBody ? Object.entries(operation.requestBody.content)[0] : null;
  // A JSON body is a named schema (TrialRequest): its fields are shown here, as a form's are.
  const body = content
    ? ([
        content[0],
        { schema: schemas.get(content[1].schema.$ref?.split("/").pop() ?? "") ?? content[1].schema },
      ] as const)
    : null;
  return (
    <section aria-labelledby={id} className="scroll-mt-4 rounded-xl border border-slate-200 bg-white p-4 shadow-xs">
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
              {/* OpenAPI's `default`: any status not listed above. */}
              <dt className="font-mono font-semibold text-slate-800">{code === "default" ? "other" : code}</dt>
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
  // A choice of shapes (the status answer with or without its products), or a shape and null.
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) {
    return (
      <>
        {choices.map((choice, index) => (
          <Fragment key={index}>
            {index > 0 ? " | " : null}
            <TypeName schema={choice} />
          </Fragment>
        ))}
      </>
    );
  }
  if (schema.allOf) {
    return (
      <>
        {schema.allOf.map((part, index) => (
          <Fragment key={index}>
            {index > 0 ? " & " : null}
            <TypeName schema={part} />
          </Fragment>
        ))}
      </>
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
