import { methodsNotAllowed } from "@/lib/http";
import { openApiDocument } from "@/lib/openapi";

export function GET() {
  return Response.json(openApiDocument());
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed("GET");
