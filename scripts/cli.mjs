// `npm run db:migrate` and `npm run api-keys` start here. A development checkout runs the TypeScript
// source with tsx; a production install (`npm ci --omit=dev`, no tsx) runs the JavaScript that
// `npm run build` compiled into dist/cli/.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const TOOLS = ["migrate", "api-keys"];
const root = path.resolve(import.meta.dirname, "..");
const [tool, ...args] = process.argv.slice(2);
if (!TOOLS.includes(tool)) {
  console.error(`Usage: node scripts/cli.mjs <${TOOLS.join("|")}> [arguments]`);
  process.exit(2);
}

function hasTsx() {
  try {
    import.meta.resolve("tsx");
    return true;
  } catch {
    return false;
  }
}

const compiled = path.join(root, "dist/cli", `${tool}.mjs`);
let nodeArgs;
if (hasTsx()) {
  // `server-only` resolves to its empty module under the react-server condition, as in Next.js.
  nodeArgs = ["--conditions=react-server", "--import", "tsx", path.join(root, "scripts", `${tool}.ts`)];
} else if (existsSync(compiled)) {
  nodeArgs = [compiled];
} else {
  console.error(
    `dist/cli/${tool}.mjs is missing: the command-line tools are compiled by \`npm run build\`. Run it once (with devDependencies installed), then this command again.`,
  );
  process.exit(1);
}
const result = spawnSync(process.execPath, [...nodeArgs, ...args], { stdio: "inherit", cwd: root });
process.exit(result.status ?? 1);
