/** The image formats the service accepts, and what it tells browsers and storage about each. */

export const imageFormats = ["jpeg", "png", "gif", "webp", "avif", "tiff"] as const;

export type ImageFormat = (typeof imageFormats)[number];

export type ImageFormatInfo = {
  /** How a seller knows the format. */
  label: string;
  contentType: string;
  /** File extension without the dot, used for stored objects. */
  extension: string;
};

export const imageFormatInfo: Record<ImageFormat, ImageFormatInfo> = {
  jpeg: { label: "JPEG", contentType: "image/jpeg", extension: "jpg" },
  png: { label: "PNG", contentType: "image/png", extension: "png" },
  gif: { label: "GIF", contentType: "image/gif", extension: "gif" },
  webp: { label: "WebP", contentType: "image/webp", extension: "webp" },
  avif: { label: "AVIF", contentType: "image/avif", extension: "avif" },
  tiff: { label: "TIFF", contentType: "image/tiff", extension: "tiff" },
};

/** "JPEG, PNG, WebP, AVIF, GIF, TIFF": the list quoted to sellers when a format is refused. */
export const supportedFormatsText = ["jpeg", "png", "webp", "avif", "gif", "tiff"]
  .map((format) => imageFormatInfo[format as ImageFormat].label)
  .join(", ");
