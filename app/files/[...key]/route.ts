import { AppError } from "@/lib/errors";
import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { getStorage } from "@/lib/storage/get-storage";
import { isSafeKey } from "@/lib/storage/local-storage";
import { IMMUTABLE_CACHE } from "@/lib/storage/storage";

/** Serves files of the local storage folder (output images, CSVs). Keys that leave the folder are refused. */
export const GET = handleErrors(
  "files",
  async (_request: Request, { params }: { params: Promise<{ key: string[] }> }) => {
    const { key: segments } = await params;
    const key = segments.map(safeDecode).join("/");
    const storage = await getStorage();
    if (storage.kind !== "local" || !isSafeKey(key)) throw new AppError("not_found:file", "No such file.");
    const file = await storage.get(key);
    if (!file) throw new AppError("not_found:file", "No such file.");
    return new Response(file.body, {
      headers: {
        "Content-Type": file.contentType,
        ...(file.size !== null ? { "Content-Length": String(file.size) } : {}),
        "Cache-Control":
          key.startsWith("images/") || key.startsWith("thumbnails/") ? IMMUTABLE_CACHE : "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
      },
    });
  },
);

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed("GET");
