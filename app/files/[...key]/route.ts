import { findFilesOwner } from "@/db/requests";
import { identifyClientOrNull, maySee, owns } from "@/lib/auth/identify-client";
import { AppError } from "@/lib/errors";
import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { getStorage } from "@/lib/storage/get-storage";
import { isSafeKey } from "@/lib/storage/keys";
import { serveStoredFile } from "@/lib/storage/serve-stored-file";
import { IMMUTABLE_CACHE } from "@/lib/storage/storage";

/**
 * Serves the stored files (output images, CSVs) to those who may read them, when the store leaves
 * serving them to this app (the local folder); a store that serves its own answers 404 here. Keys
 * that leave the folder are refused. Validators, 304s and byte ranges: `serveStoredFile`.
 */
export const GET = handleErrors(
  "files",
  async (request: Request, { params }: { params: Promise<{ key: string[] }> }) => {
    // Next.js hands the segments over decoded: decoding them again would serve `a%2520b` as `a b`.
    const key = (await params).key.join("/");
    const storage = await getStorage();
    if (!storage.servedByApp || !isSafeKey(key) || !(await mayRead(request, key))) {
      throw new AppError("not_found:file", "No such file.");
    }
    return serveStoredFile(request, storage, key, {
      "Cache-Control":
        key.startsWith("images/") || key.startsWith("thumbnails/") ? IMMUTABLE_CACHE : "private, no-cache",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
    });
  },
);

/**
 * Output images and thumbnails are public at their unguessable keys: shops and marketplaces fetch
 * them, and their folder names no request. An uploaded CSV is its owner's alone; an output CSV is its
 * workspace's in keys mode and, in open mode, anyone's who holds its link (as status is anyone's who
 * holds the request's id). Anyone else is told there is no such file.
 */
async function mayRead(request: Request, key: string): Promise<boolean> {
  const [area, folder] = key.split("/");
  if (area !== "uploads" && area !== "outputs") return true;
  const owner = await findFilesOwner(folder);
  if (owner === undefined) return false;
  const client = await identifyClientOrNull(request);
  return area === "uploads" ? owns(client, owner) : maySee(client, owner);
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed("GET");
