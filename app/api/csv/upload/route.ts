import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { acceptUploadRequest } from "@/lib/requests/accept-upload";

/**
 * POST a CSV as multipart/form-data: field `file`, optional `quality` and `webhookUrl`; an optional
 * `Idempotency-Key` header makes a retry safe. Answers 202.
 */
export const POST = handleErrors("upload", async (request: Request) => {
  const { accepted, replayed, headers } = await acceptUploadRequest(request);
  return Response.json(accepted, {
    status: 202,
    headers: { Location: accepted.statusUrl, ...headers, ...(replayed ? { "Idempotent-Replayed": "true" } : {}) },
  });
});

export const { GET, PUT, PATCH, DELETE, HEAD, OPTIONS } = methodsNotAllowed("POST");
