import { methodsNotAllowed } from "@/lib/http";

/**
 * Liveness: 200 while this process can answer at all. It asks no database, storage or runner, so a
 * dependency that is down takes the instance out of rotation (`/api/health`, readiness) without
 * getting the process restarted for something a restart cannot fix.
 */
export function GET() {
  return Response.json({ ok: true }, { headers: { "Cache-Control": "no-store" } });
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed("GET");
