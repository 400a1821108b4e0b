"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { signOut } from "@/components/api/client";

/** Ends the dashboard's session and returns to the sign-in page. */
export function SignOutButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await signOut();
        } finally {
          router.replace("/sign-in");
          router.refresh();
        }
      }}
      className="rounded-md px-3 py-1.5 font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 disabled:opacity-50"
    >
      Sign out
    </button>
  );
}
