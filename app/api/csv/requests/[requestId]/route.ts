import { identifyClient } from "@/lib/auth/identify-client";
import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { deleteRequest } from "@/lib/requests/request-actions";

/** Deletes a request with its uploaded CSV, output images and output CSV (204); a processing one is cancelled first. */
export const DELETE = handleErrors(
  "delete",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) => {
    const { requestId } = await params;
    await deleteRequest(await identifyClient(request), requestId);
    return new Response(null, { status: 204 });
  },
);

export const { GET, POST, PUT, PATCH } = methodsNotAllowed("DELETE");
