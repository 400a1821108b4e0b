import { identifyClient } from "@/lib/auth/identify-client";
import { ListQuery } from "@/lib/contract";
import { handleErrors, methodsNotAllowed, parseQuery } from "@/lib/http";
import { listRequests } from "@/lib/requests/list-requests";

/** The caller's recent requests, newest first (`?page=1&pageSize=20`). */
export const GET = handleErrors("requests", async (request: Request) => {
  const list = await listRequests(await identifyClient(request), parseQuery(request, ListQuery));
  return Response.json(list, { headers: { "Cache-Control": "no-store" } });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed("GET");
