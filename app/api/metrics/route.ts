import { timingSafeEqual } from "node:crypto";
import { config } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { methodsNotAllowed, problemResponse } from "@/lib/http";
import { metrics } from "@/lib/metrics";

/** Prometheus metrics; with METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>`. */
export async function GET(request: Request) {
  if (config.metricsToken && !bearerMatches(request.headers.get("authorization"), config.metricsToken)) {
    return problemResponse(
      new AppError("unauthorized", "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.", undefined, {
        "WWW-Authenticate": 'Bearer realm="metrics"',
      }),
    );
  }
  return new Response(await metrics.register.metrics(), {
    headers: { "Content-Type": metrics.register.contentType, "Cache-Control": "no-store" },
  });
}

function bearerMatches(header: string | null, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? "")?.[1] ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed("GET");
