/**
 * `Content-Disposition` for a file offered as a download: the plain `filename` for old clients,
 * `filename*` (RFC 6266) for names with other characters.
 */
export function attachment(fileName: string): string {
  return `attachment; filename="${fileName.replace(/["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
