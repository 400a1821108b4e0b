import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

// `npm run lint:openapi`: the document the app serves at /api/openapi.json, checked by Redocly's
// linter with its recommended rules (scripts/redocly.yaml). Warnings are shown; an error fails the run.
// The document names the service's public address: linted as a deployment serves it, not with the
// development default (localhost), unless PUBLIC_BASE_URL says otherwise.
process.env.PUBLIC_BASE_URL ??= "https://images.shop.test";
const { openApiDocument } = await import("@/lib/openapi");
const folder = mkdtempSync(path.join(os.tmpdir(), "openapi-"));
const file = path.join(folder, "openapi.json");
writeFileSync(file, JSON.stringify(openApiDocument(), null, 2));
const redocly = path.join(import.meta.dirname, "../node_modules/.bin/redocly");
// No usage reports or update checks leave this machine.
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
const result = spawnSync(
  redocly,
  ["lint", file, `--config=${path.join(import.meta.dirname, "redocly.yaml")}`, "--format=stylish"],
  {
    stdio: "inherit",
    env,
  },
);
rmSync(folder, { recursive: true, force: true });
process.exit(result.status ?? 1);
