import "server-only";
import { listRecentRequests } from "@/db/requests";
import type { Client } from "@/lib/auth/identify-client";
import { summarize } from "./status";
import type { RequestList } from "@/lib/contract";

/** The client's own requests, newest first. A client that owns nothing (no cookie, no key) lists nothing. */
export async function listRequests(
  client: Client,
  { page = 1, pageSize = 20 }: { page?: number; pageSize?: number },
): Promise<RequestList> {
  const size = Math.min(100, Math.max(1, Math.trunc(pageSize) || 20));
  const current = Math.max(1, Math.trunc(page) || 1);
  const { rows, total } = client.owner
    ? await listRecentRequests({ owner: client.owner, limit: size, offset: (current - 1) * size })
    : { rows: [], total: 0 };
  return {
    requests: rows.map(summarize),
    pagination: { page: current, pageSize: size, totalItems: total, totalPages: Math.max(1, Math.ceil(total / size)) },
  };
}
