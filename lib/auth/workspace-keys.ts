import { randomUUID } from "node:crypto";
import { ensureWorkspace, findWorkspaceByName, insertApiKey } from "@/db/workspaces";
import type { WorkspaceRow } from "@/db/schema";
import { generateApiKey, generateWebhookSecret } from "./api-keys";

export type CreatedKey = { key: string; prefix: string; name: string | null; workspace: WorkspaceRow };

/**
 * A new API key for a workspace, created with the workspace if it is new. The key is returned once,
 * here; only its hash is kept.
 */
export async function createApiKey({
  workspaceName,
  name = null,
}: {
  workspaceName: string;
  name?: string | null;
}): Promise<CreatedKey> {
  const workspace =
    (await findWorkspaceByName(workspaceName)) ??
    (await ensureWorkspace({ id: randomUUID(), name: workspaceName, webhookSecret: generateWebhookSecret() }));
  return createWorkspaceKey(workspace, name);
}

/** A new key for an existing workspace: what its dashboard creates. */
export async function createWorkspaceKey(workspace: WorkspaceRow, name: string | null): Promise<CreatedKey> {
  const { key, prefix, hash } = generateApiKey();
  await insertApiKey({ workspaceId: workspace.id, prefix, hash, name });
  return { key, prefix, name, workspace };
}

/** A workspace or key name as a person types it: trimmed, 1 to 100 characters. */
export function problemWithName(value: string, what: string): string | null {
  const trimmed = value.trim();
  if (!trimmed) return `${what} must not be empty.`;
  if (trimmed.length > 100) return `${what} must be at most 100 characters.`;
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return `${what} must not contain control characters.`;
  return null;
}
