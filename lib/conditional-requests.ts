/**
 * Conditional requests as RFC 9110 §13 defines them, for the answers that carry validators (a
 * request's status, stored files). Caches, browsers and `curl -z` / `curl -C -` send these forms.
 */

export type Validators = { etag: string; lastModified?: Date };

/** `"abc"` and `W/"abc"` as written in a header list; anything else in the list is skipped. */
const ENTITY_TAG = /(W\/)?"[^"]*"/g;

function opaque(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

/** RFC 9110 §8.8.3.2: weak comparison; `W/"a"` and `"a"` match. */
function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

/** RFC 9110 §8.8.3.2: strong comparison; a weak tag matches nothing. */
function strongMatch(a: string, b: string): boolean {
  return !a.startsWith("W/") && !b.startsWith("W/") && a === b;
}

/** An HTTP date, at whole seconds, or null when the header is not one. */
function httpDate(value: string | null): number | null {
  if (value === null) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : Math.floor(time / 1000);
}

/**
 * True when a GET or HEAD may be answered 304 Not Modified: `If-None-Match` (a list of tags or `*`,
 * compared weakly) matches the current tag; without `If-None-Match`, the resource has not changed
 * since `If-Modified-Since`. RFC 9110 §13.1.2 and §13.1.3.
 */
export function notModified(request: Request, current: Validators): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (ifNoneMatch.trim() === "*") return true;
    return (ifNoneMatch.match(ENTITY_TAG) ?? []).some((tag) => weakMatch(tag, current.etag));
  }
  const since = httpDate(request.headers.get("if-modified-since"));
  if (since === null || !current.lastModified) return false;
  return Math.floor(current.lastModified.getTime() / 1000) <= since;
}

/**
 * True when a `Range` is to be honoured: no `If-Range`, or one that names the current representation
 * (RFC 9110 §13.1.5: a strong tag compared strongly, or exactly its Last-Modified date). Otherwise the
 * client's partial copy is of another version and gets the whole file.
 */
export function rangeStillValid(request: Request, current: Validators): boolean {
  const ifRange = request.headers.get("if-range");
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return strongMatch(value, current.etag);
  const date = httpDate(value);
  return (
    date !== null && current.lastModified !== undefined && Math.floor(current.lastModified.getTime() / 1000) === date
  );
}

/**
 * The one byte range a `Range` header asks of a file of `size` bytes (RFC 9110 §14.1.2): `a-b`, `a-`
 * or the last `-n` bytes, clamped to the file. "unsatisfiable" when it starts past the end (a 416);
 * null when there is no header, it is not a bytes range, or it asks for several ranges: those are
 * answered with the whole file, as the RFC allows.
 */
export function requestedRange(
  request: Request,
  size: number,
): { start: number; end: number } | "unsatisfiable" | null {
  const header = request.headers.get("range");
  if (header === null) return null;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Number(match[2]);
  if (match[2] !== "" && end < start) return null;
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(end, size - 1) };
}
