import type { RequestRow } from "@/db/schema";

/** A request to be worked on, with what says whose share of the workers it takes. */
export type RequestForWork = Pick<RequestRow, "id" | "owner" | "clientKey">;

/**
 * Whose share of the workers a request's images take: its owner (a workspace, a browser in open
 * mode), else the client that sent it (an API client in open mode, by its address), else the request
 * alone. An owner's requests take turns within its share, so an owner with ten requests waiting gets
 * as many workers as another with one.
 */
export function workOwner(request: RequestForWork): string {
  return request.owner ?? (request.clientKey ? `client:${request.clientKey}` : `request:${request.id}`);
}
