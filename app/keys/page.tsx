import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ApiKeysPanel } from "@/components/api-keys-panel";
import { DatabaseUnavailable } from "@/components/ui/database-unavailable";
import { findWorkspace, listApiKeys } from "@/db/workspaces";
import { identifyPageClient } from "@/lib/auth/identify-client";
import { apiKeyInfo } from "@/lib/auth/keys-mode";
import { config } from "@/lib/config";
import type { ApiKeyList } from "@/lib/contract";
import { loadPageData } from "@/lib/database/page-data";

export const metadata: Metadata = { title: "API keys" };

/** Keys mode: the workspace's API keys, created and revoked here, and its webhook secret. */
export default async function ApiKeysPage() {
  if (config.auth.mode !== "keys") notFound();
  const loaded = await loadPageData(async (): Promise<ApiKeyList> => {
    const client = await identifyPageClient();
    const workspace = (await findWorkspace(client.workspaceId!))!;
    const keys = await listApiKeys(workspace.id);
    return { workspace: workspace.name, webhookSecret: workspace.webhookSecret, keys: keys.map(apiKeyInfo) };
  });
  if (!loaded.ok) return <DatabaseUnavailable retryHref="/keys" />;
  return (
    <div className="space-y-6">
      <div className="max-w-3xl">
        <h1 className="text-2xl font-semibold tracking-tight">API keys</h1>
        <p className="mt-2 text-slate-600">
          Keys of the workspace <span className="font-medium text-slate-900">{loaded.data.workspace}</span>. Send one as{" "}
          <code className="rounded bg-slate-100 px-1 text-sm">Authorization: Bearer &lt;key&gt;</code> with every API
          call. A revoked key is refused at once.
        </p>
      </div>
      <ApiKeysPanel initial={loaded.data} />
    </div>
  );
}
