import Link from "next/link";
import { cookies } from "next/headers";
import { readSession, SESSION_COOKIE } from "@/lib/auth/session";
import { config } from "@/lib/config";
import { SignOutButton } from "./sign-out-button";

const NAV_LINK = "rounded-md px-3 py-1.5 font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900";

export async function SiteHeader() {
  // Keys mode: the signed-in dashboard also manages its keys and can sign out.
  const signedIn = config.auth.mode === "keys" && readSession((await cookies()).get(SESSION_COOKIE)?.value) !== null;
  return (
    <header className="border-b border-slate-200 bg-white/90 backdrop-blur supports-[backdrop-filter]:bg-white/75">
      <div className="mx-auto flex h-14 w-full max-w-6xl items-center justify-between gap-4 px-4 sm:px-6">
        <Link href="/" className="flex items-center gap-2 rounded-md font-semibold tracking-tight text-slate-900">
          <LogoMark />
          {/* Beside three links and Sign out, the name does not fit a phone's width: the mark stands for it. */}
          <span className={signedIn ? "max-[480px]:sr-only" : undefined}>CSV Image Compressor</span>
        </Link>
        <nav aria-label="Main" className="flex items-center gap-1 text-sm">
          <Link href="/" className={`hidden sm:inline-block ${NAV_LINK}`}>
            Dashboard
          </Link>
          {signedIn && (
            <Link href="/keys" className={NAV_LINK}>
              API keys
            </Link>
          )}
          <Link href="/docs" className={NAV_LINK}>
            API docs
          </Link>
          {signedIn && <SignOutButton />}
        </nav>
      </div>
    </header>
  );
}

export function SiteFooter() {
  return (
    <footer className="border-t border-slate-200 bg-white">
      <div className="mx-auto flex w-full max-w-6xl flex-col gap-1 px-4 py-4 text-xs text-slate-500 sm:flex-row sm:items-center sm:justify-between sm:px-6">
        <p>Images are re-encoded in their own format; a file that would not get smaller keeps its original bytes.</p>
        <p>
          <Link href="/docs" className="rounded underline-offset-2 hover:text-slate-700 hover:underline">
            API reference
          </Link>
        </p>
      </div>
    </footer>
  );
}

function LogoMark() {
  return (
    <span aria-hidden="true" className="grid size-7 place-items-center rounded-lg bg-indigo-600 text-white shadow-sm">
      <svg
        viewBox="0 0 24 24"
        className="size-4"
        fill="none"
        stroke="currentColor"
        strokeWidth={2}
        strokeLinecap="round"
        strokeLinejoin="round"
      >
        <path d="M8 3H5a2 2 0 0 0-2 2v3M21 8V5a2 2 0 0 0-2-2h-3M3 16v3a2 2 0 0 0 2 2h3M16 21h3a2 2 0 0 0 2-2v-3" />
        <path d="M9 9l6 6M15 9v6H9" />
      </svg>
    </span>
  );
}
