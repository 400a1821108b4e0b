import { checkHealth } from "@/lib/health";

/** 200 when the database and storage answer, 503 naming what does not. */
export async function GET() {
  const health = await checkHealth();
  return Response.json(health, { status: health.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
