import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { answerStatus } from "@/lib/requests/status-route";

/**
 * A request's progress and one page of its products (`?page=1&pageSize=50`), one page of its images
 * in a state (`?imageStatus=failed`), or its counters alone (`?products=0`). An answer the caller already has (`If-None-Match`) is a 304 without a body.
 */
export const GET = handleErrors(
  "status",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) =>
    answerStatus(request, (await params).requestId),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed("GET");
