import { revokeApiKey } from "@/db/workspaces";
import { workspaceClient } from "@/lib/auth/keys-mode";
import { AppError } from "@/lib/errors";
import { handleErrors, methodsNotAllowed } from "@/lib/http";

/** Keys mode: revokes one of the workspace's keys at once (204). Calls with it are refused from then on. */
export const DELETE = handleErrors(
  "keys",
  async (request: Request, { params }: { params: Promise<{ prefix: string }> }) => {
    const { workspace } = await workspaceClient(request);
    const { prefix } = await params;
    if (!(await revokeApiKey({ prefix, workspaceId: workspace.id }))) {
      throw new AppError("not_found:api_key", `No active key with prefix "${prefix}" in this workspace.`);
    }
    return new Response(null, { status: 204 });
  },
);

export const { GET, POST, PUT, PATCH, HEAD, OPTIONS } = methodsNotAllowed("DELETE");
