import { identifyClient } from "@/lib/auth/identify-client";
import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { retryRequest } from "@/lib/requests/request-actions";

/**
 * Puts a finished request's failed images back in line (202 with its summary and the client's limit
 * headers); 409 while it is processing; 429 over the client's limits, as an upload.
 */
export const POST = handleErrors(
  "retry",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) => {
    const { requestId } = await params;
    const { summary, headers } = await retryRequest(await identifyClient(request), requestId);
    return Response.json(summary, { status: 202, headers: { ...headers, "Cache-Control": "no-store" } });
  },
);

export const { GET, PUT, PATCH, DELETE, HEAD, OPTIONS } = methodsNotAllowed("POST");
