import { identifyClient } from "@/lib/auth/identify-client";
import { StatusQuery } from "@/lib/contract";
import { AppError } from "@/lib/errors";
import { handleErrors, methodsNotAllowed, parseQuery } from "@/lib/http";
import { statusAnswer } from "@/lib/requests/status-answers";

/**
 * A request's progress and one page of its products (`?page=1&pageSize=50`), or its counters alone
 * (`?products=0`). An answer the caller already has (`If-None-Match`) is a 304 without a body.
 */
export const GET = handleErrors(
  "status",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) => {
    const { requestId } = await params;
    const { products, page, pageSize } = parseQuery(request, StatusQuery);
    const client = await identifyClient(request);
    const answer = await statusAnswer(client, { requestId, products: products === "1", page, pageSize });
    if (!answer) throw new AppError("not_found:request", `No request with id "${requestId}".`);
    const headers = { ETag: answer.etag, "Cache-Control": "no-cache" };
    if (request.headers.get("if-none-match") === answer.etag) return new Response(null, { status: 304, headers });
    return new Response(answer.body, { headers: { ...headers, "Content-Type": "application/json" } });
  },
);

export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed("GET");
