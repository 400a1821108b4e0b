import { identifyClient } from "@/lib/auth/identify-client";
import { SavingsQuery } from "@/lib/contract";
import { handleErrors, methodsNotAllowed, parseQuery } from "@/lib/http";
import { loadSavings } from "@/lib/requests/savings";

/** Bytes the caller's uploads saved, per day (`?days=30`). */
export const GET = handleErrors("savings", async (request: Request) => {
  const savings = await loadSavings(await identifyClient(request), parseQuery(request, SavingsQuery));
  return Response.json(savings, { headers: { "Cache-Control": "no-store" } });
});

export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed("GET");
