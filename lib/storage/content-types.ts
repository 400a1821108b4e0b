import { imageFormatInfo, imageFormats } from "@/lib/images/image-formats";

/** Content types by file extension: the output CSV, and every image format's extensions from its table. */
const byExtension: Record<string, string> = {
  csv: "text/csv; charset=utf-8",
  ...Object.fromEntries(
    imageFormats.flatMap((format) => {
      const { extension, otherExtensions, contentType } = imageFormatInfo[format];
      return [extension, ...otherExtensions].map((name) => [name, contentType]);
    }),
  ),
};

export function contentTypeForKey(key: string): string {
  const extension = key.split(".").pop()?.toLowerCase() ?? "";
  return byExtension[extension] ?? "application/octet-stream";
}
