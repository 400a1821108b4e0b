import { config } from "./config";
import { s3ObjectUrlBase } from "./storage/s3-urls";

/**
 * The Content-Security-Policy of the dashboard's pages. Scripts run only with the per-response nonce
 * (Next.js puts it on its own scripts), so injected markup cannot run code. Images come from this
 * app and from where the output images are stored, never from uploaders' hosts. Nothing may frame
 * the pages. Inline style attributes stay allowed: React renders `style={…}` as attributes, which no
 * nonce covers, and styles cannot run code.
 */
export function contentSecurityPolicy(nonce: string): string {
  const development = config.env === "development";
  return [
    "default-src 'self'",
    // React's development build evaluates code for its debugging tools; production never does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src ${["'self'", "data:", "blob:", ...outputImageOrigins()].join(" ")}`,
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Output images on S3 are shown from the bucket (or its public base URL), not from this app. */
function outputImageOrigins(): string[] {
  const storage = config.storage;
  if (storage.kind !== "s3") return [];
  const origins = new Set([
    new URL(s3ObjectUrlBase(storage)).origin,
    new URL(s3ObjectUrlBase({ ...storage, publicBaseUrl: undefined })).origin,
  ]);
  return [...origins];
}
