import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier/flat";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // Server code logs through lib/logger; the browser has no logger of ours.
      "no-console": "error",
    },
  },
  {
    files: ["components/**", "app/**/*.tsx", "e2e/**", "test/**", "bench/**", "scripts/**", "bin/**", "**/*.test.ts"],
    rules: { "no-console": "off" },
  },
  {
    // Tables and statements only: which database to open, and everything else, is the app's (lib/).
    files: ["db/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@/lib/*", "../lib/*"], message: "db/ does not import from lib/." }] },
      ],
    },
  },
  // Last: turns off the stylistic rules that would fight Prettier.
  prettier,
  globalIgnores([
    ".next/**",
    // The command-line tools compiled by `npm run build`.
    "dist/**",
    ".data/**",
    "processed_images/**",
    "playwright-report/**",
    "test-results/**",
    "next-env.d.ts",
    "db/migrations/**",
  ]),
]);
