/** The image formats the service accepts, and what it tells browsers and storage about each. */

export const imageFormats = ["jpeg", "png", "gif", "webp", "avif", "tiff"] as const;

export type ImageFormat = (typeof imageFormats)[number];

export type ImageFormatInfo = {
  /** How a seller knows the format. */
  label: string;
  contentType: string;
  /** File extension without the dot, used for stored objects. */
  extension: string;
  /**
   * Memory an encode to this format takes, in multiples of the decoded image (the image memory gate
   * reserves it). Measured as the peak RSS growth of one 24 MP photo, whose 8-bit RGB pixels take
   * 69 MiB: JPEG 168 MiB (optimised Huffman coding keeps every coefficient until the end), PNG 155
   * (quantising keeps an 8-bit copy and the palette index), WebP 136, AVIF 514 (the AV1 encoder's
   * own frames). GIF quantises as PNG does; TIFF is never written.
   */
  workingMemory: number;
};

export const imageFormatInfo: Record<ImageFormat, ImageFormatInfo> = {
  jpeg: { label: "JPEG", contentType: "image/jpeg", extension: "jpg", workingMemory: 2.5 },
  png: { label: "PNG", contentType: "image/png", extension: "png", workingMemory: 2.3 },
  gif: { label: "GIF", contentType: "image/gif", extension: "gif", workingMemory: 2.3 },
  webp: { label: "WebP", contentType: "image/webp", extension: "webp", workingMemory: 2 },
  avif: { label: "AVIF", contentType: "image/avif", extension: "avif", workingMemory: 7.5 },
  tiff: { label: "TIFF", contentType: "image/tiff", extension: "tiff", workingMemory: 1 },
};

/** "JPEG, PNG, WebP, AVIF, GIF, TIFF": the list quoted to sellers when a format is refused. */
export const supportedFormatsText = ["jpeg", "png", "webp", "avif", "gif", "tiff"]
  .map((format) => imageFormatInfo[format as ImageFormat].label)
  .join(", ");
