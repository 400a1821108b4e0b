import { AppError } from "@/lib/errors";
import { handleErrors, positiveInt } from "@/lib/http";
import { DEFAULT_PAGE_SIZE, getRequestStatus } from "@/lib/requests/status";

/** A request's progress and one page of its products (`?page=1&pageSize=50`). */
export const GET = handleErrors(
  "status",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) => {
    const { requestId } = await params;
    const search = new URL(request.url).searchParams;
    const status = await getRequestStatus({
      requestId,
      page: positiveInt(search.get("page"), 1),
      pageSize: positiveInt(search.get("pageSize"), DEFAULT_PAGE_SIZE),
    });
    if (!status) throw new AppError("not_found:request", `No request with id "${requestId}".`);
    return Response.json(status, { headers: { "Cache-Control": "no-store" } });
  },
);
