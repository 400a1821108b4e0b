import "server-only";
import { findApiKeyById, findWorkspace } from "@/db/workspaces";
import type { ApiKeyInfo } from "@/lib/contract";
import { config } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { identifyClient } from "./identify-client";

/** Sign-in and keys exist only in keys mode; in open mode their routes are not there. */
export function requireKeysMode() {
  if (config.auth.mode !== "keys") {
    throw new AppError("not_found:route", "API keys and sign-in are used only with AUTH_MODE=keys.");
  }
}

/** The signed-in workspace of a keys-mode caller, with the key it uses; a 401 without one. */
export async function workspaceClient(request: Request) {
  requireKeysMode();
  const client = await identifyClient(request);
  const workspace = (await findWorkspace(client.workspaceId!))!;
  const key = (await findApiKeyById(client.keyId!))!;
  return { client, workspace, keyPrefix: key.prefix };
}

export function apiKeyInfo(row: {
  prefix: string;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}): ApiKeyInfo {
  return {
    prefix: row.prefix,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
