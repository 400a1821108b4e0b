import { config } from "./config";

/**
 * The Content-Security-Policy of the dashboard's pages. Scripts run only with the per-response nonce
 * (Next.js puts it on its own scripts), so injected markup cannot run code. Images come from this
 * app and from the origins that serve the stored files (the store's `fileOrigins`), never from
 * uploaders' hosts. Nothing may frame the pages. Inline style attributes stay allowed: React renders
 * `style={…}` as attributes, which no nonce covers, and styles cannot run code.
 */
export function contentSecurityPolicy({
  nonce,
  fileOrigins,
}: {
  nonce: string;
  fileOrigins: readonly string[];
}): string {
  const development = config.env === "development";
  return [
    "default-src 'self'",
    // React's development build evaluates code for its debugging tools; production never does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src ${["'self'", "data:", "blob:", ...fileOrigins].join(" ")}`,
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
