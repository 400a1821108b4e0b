import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as serveFile } from "@/app/files/[...key]/route";
import { config } from "@/lib/config";
import { getStorage } from "./get-storage";
import { LocalStorage } from "./local-storage";
import type { Storage } from "./storage";
import { describeStorageConformance } from "./storage-conformance";

/** The local folder the app is configured with (STORAGE_DIR), its files served by the app's own route. */

let storage: Storage;
let scratch: string;

beforeAll(async () => {
  storage = await getStorage();
  scratch = await mkdtemp(path.join(os.tmpdir(), "local-storage-"));
  // A regular file where the folder's parent should be: nothing under it can be created, even by root.
  await writeFile(path.join(scratch, "a-file"), "");
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describeStorageConformance("the local folder", {
  storage: () => storage,
  appBaseUrl: config.publicBaseUrl,
  // As Next.js calls the route: the path's segments after /files/, each decoded once.
  fetchPublic: async (url) => {
    const { origin, pathname } = new URL(url);
    if (origin !== new URL(config.publicBaseUrl).origin || !pathname.startsWith("/files/")) {
      return new Response(null, { status: 404 });
    }
    const key = pathname.slice("/files/".length).split("/").map(decodeURIComponent);
    return serveFile(new Request(url), { params: Promise.resolve({ key }) });
  },
  unusable: () => {
    const dir = path.join(scratch, "a-file", "storage");
    return {
      storage: new LocalStorage(dir, config.publicBaseUrl),
      says: /storage folder \(STORAGE_DIR\)/,
      hides: [scratch],
    };
  },
});

describe("the local folder on disk", () => {
  it("writes whole files, leaving no temporary ones, and copies by hard link", async () => {
    const folder = new LocalStorage(path.join(scratch, "own"), config.publicBaseUrl);
    await folder.put("images/a/1.jpg", Buffer.alloc(5000, 1), { contentType: "image/jpeg" });
    await folder.put("images/a/1.jpg", Buffer.alloc(4000, 2), { contentType: "image/jpeg" });
    expect(await folder.copy("images/a/1.jpg", "images/b/1.jpg")).toBe(true);

    expect(await readdir(path.join(scratch, "own", "images", "a"))).toEqual(["1.jpg"]);
    const [original, copy] = await Promise.all([
      stat(folder.resolve("images/a/1.jpg")),
      stat(folder.resolve("images/b/1.jpg")),
    ]);
    expect(copy.ino).toBe(original.ino);
    expect(copy.size).toBe(4000);
  });
});
