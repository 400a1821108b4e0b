import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/sign-in-form";
import { signInTarget } from "@/lib/auth/sign-in-target";
import { config } from "@/lib/config";

export const metadata: Metadata = { title: "Sign in" };

/** Keys mode's way in: an API key of the workspace. Open mode has nothing to sign in to. */
export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  if (config.auth.mode !== "keys") redirect("/");
  const next = signInTarget((await searchParams).next);
  return (
    <div className="mx-auto max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
      <h1 className="text-xl font-semibold tracking-tight">Sign in to your workspace</h1>
      <p className="mt-1 mb-6 text-sm text-slate-600">
        This service is shared: each workspace sees only its own uploads. Sign in with one of your workspace&apos;s API
        keys.
      </p>
      <SignInForm next={next} />
    </div>
  );
}
