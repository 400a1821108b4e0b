"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { signIn } from "@/components/api/client";

/** Keys mode: the dashboard signs in with one of its workspace's API keys. */
export function SignInForm({ next }: { next: string }) {
  const [apiKey, setApiKey] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const ids = { key: useId(), hint: useId(), problem: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await signIn(apiKey.trim());
      // Refreshed: every server-rendered part of the page (header, lists) changes with the session.
      router.replace(next);
      router.refresh();
    } catch (error) {
      setProblem((error as Error).message);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <div className="space-y-1.5">
        <label htmlFor={ids.key} className="block text-sm font-medium text-slate-900">
          API key
        </label>
        <input
          id={ids.key}
          name="apiKey"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={apiKey}
          onChange={(event) => setApiKey(event.target.value)}
          aria-describedby={problem ? `${ids.hint} ${ids.problem}` : ids.hint}
          aria-invalid={problem ? true : undefined}
          placeholder="cic_…"
          className="block w-full rounded-lg border border-slate-300 px-3 py-2 font-mono text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30"
        />
        <p id={ids.hint} className="text-xs text-slate-500">
          Your operator creates keys with <code className="rounded bg-slate-100 px-1">npm run api-keys -- create</code>.
          The key stays in this browser only as a signed session cookie.
        </p>
      </div>
      {problem && (
        <p
          id={ids.problem}
          role="alert"
          className="rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-rose-600/20"
        >
          {problem}
        </p>
      )}
      <button
        type="submit"
        disabled={busy || apiKey.trim() === ""}
        className="inline-flex w-full items-center justify-center rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:cursor-not-allowed disabled:opacity-50"
      >
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
