import { identifyClient } from "@/lib/auth/identify-client";
import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { deleteRequest } from "@/lib/requests/request-actions";
import { answerStatus } from "@/lib/requests/status-route";

/**
 * The request as a resource: `GET` is its status, the same answer and access rule as
 * `GET /api/csv/status/:requestId` (which earlier clients keep calling).
 */
export const GET = handleErrors(
  "request",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) =>
    answerStatus(request, (await params).requestId),
);

/** Deletes a request with its uploaded CSV, output images and output CSV (204); a processing one is cancelled first. */
export const DELETE = handleErrors(
  "delete",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) => {
    const { requestId } = await params;
    await deleteRequest(await identifyClient(request), requestId);
    return new Response(null, { status: 204 });
  },
);

export const { POST, PUT, PATCH, OPTIONS } = methodsNotAllowed("GET", "DELETE");
