import { parseArgs } from "node:util";
import { closeDb } from "@/db/client";
import { listApiKeys, revokeApiKey } from "@/db/workspaces";
import { createApiKey, problemWithName } from "@/lib/auth/workspace-keys";
import { config } from "@/lib/config";
import { provideConfiguredDatabase } from "@/lib/database/provide-database";

/**
 * `npm run api-keys -- <command>`: the API keys of AUTH_MODE=keys, from the command line.
 *
 *   create <workspace> [--name <label>]   a new key (and the workspace, if new); the key is the last line
 *   list [<workspace>]                    prefixes, names, last use
 *   revoke <prefix>                       ends a key at once
 *
 * Works at any time: with the embedded database and a server running on this machine, through the
 * database that server serves; without one, on the folder itself. A running dashboard creates and
 * revokes its own workspace's keys.
 */

const USAGE = `Usage:
  npm run api-keys -- create <workspace> [--name <label>]
  npm run api-keys -- list [<workspace>]
  npm run api-keys -- revoke <prefix>`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [command, argument] = positionals;
  if (values.help || !command) return usage(values.help ? 0 : 1);

  if (command === "create") {
    if (!argument) return usage(1);
    const problem =
      problemWithName(argument, "The workspace name") ??
      (values.name === undefined ? null : problemWithName(values.name, "--name"));
    if (problem) return fail(problem);
    const created = await createApiKey({ workspaceName: argument.trim(), name: values.name?.trim() ?? null });
    console.log(`Workspace:      ${created.workspace.name}`);
    console.log(`Webhook secret: ${created.workspace.webhookSecret}  (verifies this workspace's webhook deliveries)`);
    console.log(`Key prefix:     ${created.prefix}${created.name ? `  (${created.name})` : ""}`);
    if (config.auth.mode !== "keys") console.log("Note: the server uses keys only with AUTH_MODE=keys.");
    console.log("The key is shown once; keep it secret:");
    console.log(created.key);
    return 0;
  }

  if (command === "list") {
    const keys = (await listApiKeys()).filter((key) => !argument || key.workspace === argument);
    if (keys.length === 0) {
      console.log(argument ? `No keys in workspace "${argument}".` : "No API keys yet.");
      return 0;
    }
    const rows = keys.map((key) => [
      key.prefix,
      key.workspace,
      key.name ?? "",
      key.createdAt.toISOString().slice(0, 16).replace("T", " "),
      key.lastUsedAt ? key.lastUsedAt.toISOString().slice(0, 16).replace("T", " ") : "never",
      key.revokedAt ? "revoked" : "active",
    ]);
    printTable(["PREFIX", "WORKSPACE", "NAME", "CREATED", "LAST USED", "STATE"], rows);
    return 0;
  }

  if (command === "revoke") {
    if (!argument) return usage(1);
    if (!(await revokeApiKey({ prefix: argument }))) return fail(`No active key with prefix "${argument}".`);
    console.log(`Key ${argument} is revoked; calls with it are refused from now on.`);
    return 0;
  }

  return usage(1);
}

function usage(code: number): number {
  (code === 0 ? console.log : console.error)(USAGE);
  return code;
}

function fail(message: string): number {
  console.error(message);
  return 1;
}

function printTable(header: string[], rows: string[][]) {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join("  ")
        .trimEnd(),
    );
}

provideConfiguredDatabase({ joinRunningServer: true });
let code = 1;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
} finally {
  await closeDb().catch(() => {});
}
process.exit(code);
