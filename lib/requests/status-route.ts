import { identifyClient } from "@/lib/auth/identify-client";
import { StatusQuery } from "@/lib/contract";
import { AppError } from "@/lib/errors";
import { notModified } from "@/lib/conditional-requests";
import { parseQuery } from "@/lib/http";
import { statusAnswer } from "./status-answers";

/**
 * The status answer of one request, for the paths that serve it (`/api/csv/status/:id`, earlier
 * clients' path, and `/api/csv/requests/:id`, the request as a resource): one access rule, one body.
 */
export async function answerStatus(request: Request, requestId: string): Promise<Response> {
  const { products, page, pageSize, imageStatus } = parseQuery(request, StatusQuery);
  const client = await identifyClient(request);
  const answer = await statusAnswer(client, { requestId, products: products === "1", page, pageSize, imageStatus });
  if (!answer) throw new AppError("not_found:request", `No request with id "${requestId}".`);
  const headers = { ETag: answer.etag, "Cache-Control": "no-cache" };
  if (notModified(request, { etag: answer.etag })) return new Response(null, { status: 304, headers });
  return new Response(answer.body, { headers: { ...headers, "Content-Type": "application/json" } });
}
