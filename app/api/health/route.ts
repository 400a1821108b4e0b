import { checkHealth } from "@/lib/health";
import { methodsNotAllowed } from "@/lib/http";

/** 200 when the database, storage and job runner can do their work; 503 naming what cannot, and why. */
export async function GET() {
  const health = await checkHealth();
  return Response.json(health, { status: health.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed("GET");
