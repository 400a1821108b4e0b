import { serve } from "inngest/next";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";
import { config } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { problemResponse } from "@/lib/http";

/** Without Inngest settings the endpoint says what to set, instead of failing every call with a 500. */
async function inngestNotConfigured(): Promise<Response> {
  return problemResponse(
    new AppError(
      "unavailable:inngest",
      "Inngest is not configured: set INNGEST_DEV=1 for the Inngest Dev Server, or INNGEST_EVENT_KEY and INNGEST_SIGNING_KEY for Inngest Cloud or a self-hosted Inngest server (with INNGEST_BASE_URL).",
      undefined,
      { "Cache-Control": "no-store" },
    ),
  );
}

export const { GET, POST, PUT } = config.inngest.configured
  ? serve({ client: inngest, functions })
  : { GET: inngestNotConfigured, POST: inngestNotConfigured, PUT: inngestNotConfigured };
