import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { settingNames } from "./config";

// docs/settings.md and .env.example name every setting lib/config.ts reads, and nothing else, so an
// operator who follows them literally never sets a name the service ignores.

const root = path.resolve(import.meta.dirname, "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
// Set by Next.js itself while it builds, never by an operator.
const FRAMEWORK_ONLY = new Set(["NEXT_PHASE"]);
// Earlier names still read, documented beside the setting that replaced them, not offered anew.
const EARLIER_NAMES = new Set(["INNGEST_REQUEST_CONCURRENCY"]);
// Read by the AWS SDK itself, named in the docs beside the S3 settings.
const AWS_SDK_CREDENTIALS = new Set(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);

function documentedSettings(): Set<string> {
  const names = new Set<string>();
  for (const line of read("docs/settings.md").split("\n")) {
    const firstCell = /^\|\s*(`[A-Z][^|]*)\|/.exec(line)?.[1] ?? "";
    for (const [, name] of firstCell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(name);
    for (const name of EARLIER_NAMES) if (firstCell && line.includes(`\`${name}\``)) names.add(name);
  }
  return names;
}

function exampleSettings(): Set<string> {
  return new Set([...read(".env.example").matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map(([, name]) => name));
}

describe("settings documentation", () => {
  const read = settingNames.filter((name) => !FRAMEWORK_ONLY.has(name));

  it("docs/settings.md lists every setting the service reads, and no other", () => {
    const documented = documentedSettings();
    expect(read.filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !settingNames.includes(name))).toEqual([]);
  });

  it(".env.example names only settings the service reads, and every one an operator sets", () => {
    const example = exampleSettings();
    const operatorSet = read.filter(
      (name) => !["NODE_ENV", "NEXT_MANUAL_SIG_HANDLE"].includes(name) && !EARLIER_NAMES.has(name),
    );
    expect(operatorSet.filter((name) => !example.has(name))).toEqual([]);
    expect([...example].filter((name) => !settingNames.includes(name) && !AWS_SDK_CREDENTIALS.has(name))).toEqual([]);
  });
});
