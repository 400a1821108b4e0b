// `npm run build` runs this after `next build`: the command-line tools (`npm run db:migrate`,
// `npm run api-keys`) become plain JavaScript in dist/cli/, so a production install without
// devDependencies (no tsx) and the Docker image (only the standalone server's node_modules) run them
// with Node alone. Packages are compiled in, but PGlite, which loads its WebAssembly and data files
// from beside its code; `server-only` resolves to its empty module under the react-server condition.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const runtimePackages = ["@electric-sql/pglite"];

// A thread started as `new Worker(new URL("./entry.ts", import.meta.url))` finds its entry, compiled
// beside the tool, under the .mjs name.
const threadEntriesAsJavaScript = {
  name: "thread-entries-as-javascript",
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      return {
        contents: source.replace(
          /new URL\("\.\/([\w-]+)\.ts", import\.meta\.url\)/g,
          'new URL("./$1.mjs", import.meta.url)',
        ),
        loader: "ts",
      };
    });
  },
};

await build({
  absWorkingDir: root,
  entryPoints: {
    migrate: "scripts/migrate.ts",
    "api-keys": "scripts/api-keys.ts",
    // The embedded database's thread, started by both tools.
    "pglite-host": "lib/database/pglite-host.ts",
  },
  outdir: "dist/cli",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  // Beside the entries, so a thread entry is found next to the chunk that starts it.
  chunkNames: "[name]-[hash]",
  format: "esm",
  platform: "node",
  target: "node20",
  conditions: ["react-server"],
  external: runtimePackages.flatMap((name) => [name, `${name}/*`]),
  alias: { "@": root },
  // Packages written as CommonJS call require() for Node's own modules.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  plugins: [threadEntriesAsJavaScript],
  logLevel: "warning",
});
console.log("Command-line tools compiled to dist/cli/.");
