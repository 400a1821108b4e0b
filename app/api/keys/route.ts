import { listApiKeys } from "@/db/workspaces";
import { apiKeyInfo, workspaceClient } from "@/lib/auth/keys-mode";
import { createWorkspaceKey, problemWithName } from "@/lib/auth/workspace-keys";
import { type ApiKeyList, CreateApiKey, type CreatedApiKey } from "@/lib/contract";
import { AppError } from "@/lib/errors";
import { handleErrors, methodsNotAllowed, parseJsonBody } from "@/lib/http";

/** Keys mode: the workspace's API keys (revoked ones too) and its webhook secret. */
export const GET = handleErrors("keys", async (request: Request) => {
  const { workspace } = await workspaceClient(request);
  const list: ApiKeyList = {
    workspace: workspace.name,
    webhookSecret: workspace.webhookSecret,
    keys: (await listApiKeys(workspace.id)).map(apiKeyInfo),
  };
  return Response.json(list, { headers: { "Cache-Control": "no-store" } });
});

/** Keys mode: a new key for the caller's workspace, shown this once (201). */
export const POST = handleErrors("keys", async (request: Request) => {
  const { workspace } = await workspaceClient(request);
  const { name } = await parseJsonBody(request, CreateApiKey);
  const label = name?.trim() || null;
  const problem = label === null ? null : problemWithName(label, "name");
  if (problem) throw new AppError("bad_request:body", problem);
  const created = await createWorkspaceKey(workspace, label);
  const now = new Date();
  const answer: CreatedApiKey = {
    ...apiKeyInfo({ prefix: created.prefix, name: created.name, createdAt: now, lastUsedAt: null, revokedAt: null }),
    key: created.key,
  };
  return Response.json(answer, { status: 201, headers: { "Cache-Control": "no-store" } });
});

export const { PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed("GET", "POST");
