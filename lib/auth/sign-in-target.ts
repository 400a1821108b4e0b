/** Any origin: only whether a target stays on it matters. */
const HERE = "http://this.site.invalid";

/**
 * Where to go after signing in: a path of this site, or "/". Decided by parsing the value as the
 * browser will (against the site's own origin), not by looking at its first characters: browsers
 * drop tabs and newlines from URLs and read `\` as `/`, so `/%09/evil.example` means `//evil.example`.
 */
export function signInTarget(value: string | string[] | undefined): string {
  const next = Array.isArray(value) ? value[0] : value;
  if (!next) return "/";
  try {
    const target = new URL(next, HERE);
    return target.origin === HERE ? `${target.pathname}${target.search}${target.hash}` : "/";
  } catch {
    return "/";
  }
}
