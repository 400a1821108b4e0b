import { notModified, rangeStillValid, requestedRange } from "@/lib/conditional-requests";
import { AppError } from "@/lib/errors";
import type { Storage } from "./storage";

/**
 * Answers a GET of a stored file the way downloaders and caches expect: `ETag` and `Last-Modified`,
 * a 304 for a copy still current (`If-None-Match`, `If-Modified-Since`), and one byte range with a
 * 206 (`Range`, `If-Range`: `curl -C -` resuming, a shop importer fetching in parts). The bytes are
 * streamed from the store, never read whole into memory. `headers` are the route's own (caching,
 * sandbox policy).
 */
export async function serveStoredFile(
  request: Request,
  storage: Storage,
  key: string,
  headers: Record<string, string>,
): Promise<Response> {
  const info = await storage.stat(key);
  if (!info) throw new AppError("not_found:file", "No such file.");
  const validators = { etag: info.etag, lastModified: info.lastModified };
  const common = {
    ...headers,
    ETag: info.etag,
    "Last-Modified": info.lastModified.toUTCString(),
    "Accept-Ranges": "bytes",
  };
  if (notModified(request, validators)) return new Response(null, { status: 304, headers: common });

  const range = rangeStillValid(request, validators) ? requestedRange(request, info.size) : null;
  if (range === "unsatisfiable") {
    throw new AppError(
      "range_not_satisfiable:file",
      `The requested range starts past the end of the file (${info.size} bytes).`,
      undefined,
      { "Content-Range": `bytes */${info.size}`, "Accept-Ranges": "bytes" },
    );
  }
  const file = await storage.get(key, range ? { range } : {});
  if (!file) throw new AppError("not_found:file", "No such file.");
  const typed = { ...common, "Content-Type": info.contentType };
  if (range) {
    return new Response(file.body, {
      status: 206,
      headers: {
        ...typed,
        "Content-Range": `bytes ${range.start}-${range.end}/${info.size}`,
        "Content-Length": String(range.end - range.start + 1),
      },
    });
  }
  return new Response(file.body, { headers: { ...typed, "Content-Length": String(info.size) } });
}
