import "server-only";
import { listRecentRequests } from "@/db/queries";
import { summarize } from "./status";
import type { RequestList } from "@/lib/contract";

export async function listRequests({
  page = 1,
  pageSize = 20,
}: {
  page?: number;
  pageSize?: number;
}): Promise<RequestList> {
  const size = Math.min(100, Math.max(1, Math.trunc(pageSize) || 20));
  const current = Math.max(1, Math.trunc(page) || 1);
  const { rows, total } = await listRecentRequests({ limit: size, offset: (current - 1) * size });
  return {
    requests: rows.map(summarize),
    pagination: { page: current, pageSize: size, totalItems: total, totalPages: Math.max(1, Math.ceil(total / size)) },
  };
}
