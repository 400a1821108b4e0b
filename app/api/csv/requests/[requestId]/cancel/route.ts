import { identifyClient } from "@/lib/auth/identify-client";
import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { cancelRequest } from "@/lib/requests/request-actions";

/** Cancels a processing request (202 with its summary): nothing more of it starts; 409 once it is finished. */
export const POST = handleErrors(
  "cancel",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) => {
    const { requestId } = await params;
    const summary = await cancelRequest(await identifyClient(request), requestId);
    return Response.json(summary, { status: 202, headers: { "Cache-Control": "no-store" } });
  },
);

export const { GET, PUT, PATCH, DELETE, HEAD, OPTIONS } = methodsNotAllowed("POST");
