import { handleErrors, positiveInt } from "@/lib/http";
import { listRequests } from "@/lib/requests/list-requests";

/** Recent requests, newest first (`?page=1&pageSize=20`). */
export const GET = handleErrors("requests", async (request: Request) => {
  const search = new URL(request.url).searchParams;
  const list = await listRequests({
    page: positiveInt(search.get("page"), 1),
    pageSize: positiveInt(search.get("pageSize"), 20),
  });
  return Response.json(list, { headers: { "Cache-Control": "no-store" } });
});
