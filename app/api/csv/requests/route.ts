import { ListQuery } from "@/lib/contract";
import { handleErrors, methodsNotAllowed, parseQuery } from "@/lib/http";
import { listRequests } from "@/lib/requests/list-requests";

/** Recent requests, newest first (`?page=1&pageSize=20`). */
export const GET = handleErrors("requests", async (request: Request) => {
  const list = await listRequests(parseQuery(request, ListQuery));
  return Response.json(list, { headers: { "Cache-Control": "no-store" } });
});

export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed("GET");
