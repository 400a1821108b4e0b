import { StatusQuery } from "@/lib/contract";
import { AppError } from "@/lib/errors";
import { handleErrors, parseQuery } from "@/lib/http";
import { getRequestStatus } from "@/lib/requests/status";

/** A request's progress and one page of its products (`?page=1&pageSize=50`). */
export const GET = handleErrors(
  "status",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) => {
    const { requestId } = await params;
    const status = await getRequestStatus({ requestId, ...parseQuery(request, StatusQuery) });
    if (!status) throw new AppError("not_found:request", `No request with id "${requestId}".`);
    return Response.json(status, { headers: { "Cache-Control": "no-store" } });
  },
);
