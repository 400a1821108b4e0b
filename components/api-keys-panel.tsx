"use client";

import { useId, useState, type FormEvent } from "react";
import type { ApiKeyList, CreatedApiKey } from "@/lib/contract";
import { createApiKey, fetchApiKeys, revokeApiKey } from "@/components/api/client";
import { CopyButton } from "@/components/ui/copy-button";
import { RelativeTime } from "@/components/ui/relative-time";

/** Create a key (shown once), revoke one, and see the workspace's webhook secret. */
export function ApiKeysPanel({ initial }: { initial: ApiKeyList }) {
  const [list, setList] = useState(initial);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [showSecret, setShowSecret] = useState(false);
  const ids = { name: useId(), secret: useId() };

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setProblem(null);
    try {
      await action();
      setList(await fetchApiKeys());
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  function create(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      setCreated(await createApiKey(name));
      setName("");
    });
  }

  function revoke(prefix: string) {
    const confirmed = window.confirm(
      `Revoke key ${prefix}? Every call with it is refused from now on; if you signed in with it, you are signed out.`,
    );
    if (confirmed) void run(() => revokeApiKey(prefix));
  }

  return (
    <div className="space-y-6">
      <section className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6" aria-labelledby="new-key">
        <h2 id="new-key" className="text-lg font-semibold tracking-tight">
          New key
        </h2>
        <form onSubmit={create} className="mt-3 flex flex-col gap-3 sm:flex-row sm:items-end">
          <div className="flex-1 space-y-1.5">
            <label htmlFor={ids.name} className="block text-sm font-medium text-slate-900">
              Name <span className="font-normal text-slate-500">(optional: who or what uses it)</span>
            </label>
            <input
              id={ids.name}
              value={name}
              maxLength={100}
              onChange={(event) => setName(event.target.value)}
              placeholder="Shop sync"
              className="block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30"
            />
          </div>
          <button
            type="submit"
            disabled={busy}
            className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-50"
          >
            Create key
          </button>
        </form>
        {created && (
          <div role="status" className="mt-4 rounded-lg bg-emerald-50 p-3 text-sm ring-1 ring-emerald-600/20">
            <p className="font-medium text-emerald-900">
              Key {created.prefix} created. Copy it now: it is not shown again.
            </p>
            <div className="mt-2 flex flex-col gap-2 sm:flex-row sm:items-center">
              <code
                data-testid="new-api-key"
                className="block min-w-0 flex-1 rounded bg-white px-2 py-1.5 font-mono text-xs break-all select-all"
              >
                {created.key}
              </code>
              <CopyButton text={created.key} label="Copy key" testId="copy-api-key" />
            </div>
          </div>
        )}
        {problem && (
          <p
            role="alert"
            className="mt-4 rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-rose-600/20"
          >
            {problem}
          </p>
        )}
      </section>

      <section className="rounded-2xl border border-slate-200 bg-white shadow-sm" aria-labelledby="keys-title">
        <h2 id="keys-title" className="px-4 pt-4 text-lg font-semibold tracking-tight sm:px-6">
          Keys
        </h2>
        <div className="overflow-x-auto">
          <table className="mt-3 w-full text-left text-sm">
            <thead className="border-y border-slate-200 bg-slate-50 text-xs text-slate-500 uppercase">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium sm:px-6">
                  Prefix
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Name
                </th>
                <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">
                  Created
                </th>
                <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">
                  Last used
                </th>
                <th scope="col" className="px-4 py-2 font-medium sm:px-6">
                  <span className="sr-only">State</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.keys.map((key) => (
                <tr key={key.prefix} data-testid="api-key" data-prefix={key.prefix}>
                  <td className="px-4 py-2 font-mono sm:px-6">{key.prefix}</td>
                  <td className="px-4 py-2 break-words">
                    {key.name ?? <span className="text-slate-400">—</span>}
                    {/* On a phone the dates sit here: five columns do not fit beside Revoke. */}
                    <span className="block text-xs text-slate-500 sm:hidden">
                      Created <RelativeTime iso={key.createdAt} /> · used{" "}
                      {key.lastUsedAt ? <RelativeTime iso={key.lastUsedAt} /> : "never"}
                    </span>
                  </td>
                  <td className="hidden px-4 py-2 text-slate-600 sm:table-cell">
                    <RelativeTime iso={key.createdAt} />
                  </td>
                  <td className="hidden px-4 py-2 text-slate-600 sm:table-cell">
                    {key.lastUsedAt ? <RelativeTime iso={key.lastUsedAt} /> : "never"}
                  </td>
                  <td className="px-4 py-2 text-right sm:px-6">
                    {key.revokedAt ? (
                      <span className="text-slate-500">Revoked</span>
                    ) : (
                      <button
                        type="button"
                        disabled={busy}
                        onClick={() => revoke(key.prefix)}
                        className="rounded-md px-2 py-1 font-medium text-rose-700 hover:bg-rose-50 disabled:opacity-50"
                      >
                        Revoke<span className="sr-only"> key {key.prefix}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section
        className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6"
        aria-labelledby={ids.secret}
      >
        <h2 id={ids.secret} className="text-lg font-semibold tracking-tight">
          Webhook secret
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Deliveries of this workspace are signed with it (Standard Webhooks); your receiver verifies them with it.
        </p>
        <div className="mt-3 flex items-center gap-2">
          <code className="block min-w-0 flex-1 break-all rounded bg-slate-100 px-2 py-1.5 font-mono text-xs">
            {showSecret ? list.webhookSecret : "whsec_" + "•".repeat(24)}
          </code>
          <button
            type="button"
            onClick={() => setShowSecret(!showSecret)}
            className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            {showSecret ? "Hide" : "Show"}
          </button>
        </div>
      </section>
    </div>
  );
}
