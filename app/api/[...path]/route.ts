import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/http";

/**
 * A path under /api that no route serves: a problem answer in JSON, as every other API error, instead
 * of Next.js's HTML page. The routes that exist are matched before this one.
 */
function noSuchPath(request: Request): Response {
  const { pathname } = new URL(request.url);
  return errorResponse(
    new AppError("not_found:route", `No API path ${pathname}; the API reference is at /docs.`),
    "api",
  );
}

export { noSuchPath as GET, noSuchPath as POST, noSuchPath as PUT, noSuchPath as PATCH, noSuchPath as DELETE };
