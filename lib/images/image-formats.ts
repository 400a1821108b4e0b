import type { AvifOptions, GifOptions, JpegOptions, PngOptions, WebpOptions } from "sharp";

/**
 * The image formats the service reads and writes, in one table: what sellers call each, what browsers
 * and storage are told, how sharp names it, what it can hold and how it is encoded. Everything else
 * (the output candidates, stored content types, the dashboard's labels) derives from it, so a format
 * is added here and nowhere else. It has no runtime dependency: the dashboard's bundle imports it.
 */

/** In the order they are quoted to sellers. */
export const imageFormats = ["jpeg", "png", "webp", "avif", "gif", "tiff", "heic"] as const;

export type ImageFormat = (typeof imageFormats)[number];

/** How a still image's encoder is set: quality 1–100 and what the source already was. */
export type EncoderSource = { quality: number; progressive: boolean };

export type EncoderOptions = JpegOptions | PngOptions | WebpOptions | AvifOptions | GifOptions;

export type ImageFormatInfo = {
  /** How a seller knows the format. */
  label: string;
  contentType: string;
  /** File extension without the dot, used for stored objects. */
  extension: string;
  /** Other extensions the same files are known by, served with the same content type. */
  otherExtensions: string[];
  /** The name sharp's metadata gives the format; a mismatch means the bytes lie about themselves. */
  sharpName: string;
  /** Whether an animation in it keeps every frame (read and written). */
  animatable: boolean;
  /** The encoder's settings when images are written in it; null when it is never written (browsers do not show it). */
  encoder: ((source: EncoderSource) => EncoderOptions) | null;
  /**
   * Memory an encode to this format takes, in multiples of the decoded image (the image memory gate
   * reserves it). Measured as the peak RSS growth of one 24 MP photo, whose 8-bit RGB pixels take
   * 69 MiB: JPEG 168 MiB (optimised Huffman coding keeps every coefficient until the end), PNG 155
   * (quantising keeps an 8-bit copy and the palette index), WebP 136, AVIF 514 (the AV1 encoder's
   * own frames). GIF quantises as PNG does; TIFF is never written.
   */
  workingMemory: number;
  /**
   * Memory reading it takes beyond the decoded image, in the same multiples, for a format sharp does
   * not decode itself (see `heic.ts`).
   */
  readingMemory?: number;
};

/**
 * The recipe outputs are made by, first in every output fingerprint. Change it whenever an encoder
 * setting below (or how `compressImage` chooses among formats) changes what is made of an image:
 * outputs made the old way are then reused neither by their bytes nor by a 304.
 */
export const OUTPUT_RECIPE = "r4:";

export const imageFormatInfo: Record<ImageFormat, ImageFormatInfo> = {
  jpeg: {
    label: "JPEG",
    contentType: "image/jpeg",
    extension: "jpg",
    otherExtensions: ["jpeg"],
    sharpName: "jpeg",
    animatable: false,
    // mozjpeg's tables and trellis search make the encode four to five times slower.
    encoder: ({ quality, progressive }) => ({ quality, mozjpeg: false, progressive, optimiseCoding: true }),
    workingMemory: 2.5,
  },
  png: {
    label: "PNG",
    contentType: "image/png",
    extension: "png",
    otherExtensions: [],
    sharpName: "png",
    animatable: false,
    // Quantising to a palette is what shrinks PNG photos; zlib level alone barely changes them.
    // Effort 1 quantises a noisy 2 MP photo in 0.8 s against 10.8 s at effort 7, for the same size.
    // Half dithering: without it, gradients band visibly at quality 50; at full strength its noise
    // undoes zlib on flat graphics. A 2 MP logo with a gradient came out at 1.13× its bytes (so it
    // was kept as it was) in 215 ms, and comes out at 0.43× in 92 ms, with no banding to be seen;
    // photos come out no larger (noisy 1.00×, smooth 0.90× of full dithering's bytes).
    encoder: ({ quality }) => ({ palette: true, quality, effort: 1, compressionLevel: 9, dither: 0.5 }),
    workingMemory: 2.3,
  },
  gif: {
    label: "GIF",
    contentType: "image/gif",
    extension: "gif",
    otherExtensions: [],
    sharpName: "gif",
    animatable: true,
    encoder: ({ quality }) => gifSettings(quality),
    workingMemory: 2.3,
  },
  webp: {
    label: "WebP",
    contentType: "image/webp",
    extension: "webp",
    otherExtensions: [],
    sharpName: "webp",
    animatable: true,
    // Effort 2 encodes a 2 MP photo in half the time of effort 4, for a file 3% larger.
    encoder: ({ quality }) => ({ quality, effort: 2 }),
    workingMemory: 2,
  },
  avif: {
    label: "AVIF",
    contentType: "image/avif",
    extension: "avif",
    otherExtensions: [],
    sharpName: "heif",
    // Animated AVIF sequences are refused on reading, and AVIF is never used for animations.
    animatable: false,
    // Speed over the last bytes: effort 0 encodes a 2 MP photo in ~0.19 s against ~0.39 s at effort 2,
    // and came out no larger in our measurements (the default, 4, takes ~1 s).
    encoder: ({ quality }) => ({ quality, effort: 0, chromaSubsampling: "4:2:0" }),
    workingMemory: 7.5,
  },
  tiff: {
    label: "TIFF",
    contentType: "image/tiff",
    extension: "tiff",
    otherExtensions: ["tif"],
    sharpName: "tiff",
    animatable: false,
    encoder: null,
    workingMemory: 1,
  },
  heic: {
    label: "HEIC/HEIF",
    contentType: "image/heic",
    extension: "heic",
    otherExtensions: ["heif"],
    // What sharp would call it; the header is read from its boxes (sharp's libvips has no HEVC decoder).
    sharpName: "heif",
    animatable: false,
    encoder: null,
    workingMemory: 1,
    // Measured on a 4032×3024 photo (47 MiB counted as RGBA): peak RSS grew by 243–281 MiB while
    // libheif decoded it (its WebAssembly memory reaches 99 MiB), the pixels were copied out and handed
    // to sharp as a PNG, and sharp wrote the JPEG.
    readingMemory: 6,
  },
};

/**
 * GIF has no quality setting, and re-quantising a GIF only loses colours: its palette already holds at
 * most 256, and sharp rounds `colours` to 2, 4, 16 or 256 (a power-of-two bit depth), so 16 is the only
 * step down and it ruins photos. The palette is therefore reused, and quality sets how much change
 * between frames may be ignored (pixels that barely change become transparent and compress well).
 * On an animation with a still scene and grainy frames that saves about 60% at quality 50.
 */
function gifSettings(quality: number): GifOptions {
  return {
    reuse: true,
    // With the GIF's own palette reused, every pixel has its exact colour: dithering only adds work
    // (a quarter of the encode) and error. Effort makes no difference to a reused palette.
    dither: 0,
    effort: 1,
    interFrameMaxError: Math.round((100 - quality) * 0.3),
  };
}

/** Formats images are written in. */
export const writableFormats = imageFormats.filter((format) => imageFormatInfo[format].encoder !== null);

/**
 * What an upload may ask its images to become: `keep` (each its own format), one format for all, or
 * `auto` (per image, the smallest of WebP, AVIF and its own format). The API contract describes it.
 */
export const OUTPUT_CHOICES = ["keep", "jpeg", "png", "webp", "avif", "auto"] as const satisfies readonly (
  "keep" | "auto" | ImageFormat
)[];

export type OutputChoice = (typeof OUTPUT_CHOICES)[number];

/** "JPEG, PNG, WebP, AVIF, GIF, TIFF, HEIC/HEIF": the list quoted to sellers when a format is refused. */
export const supportedFormatsText = imageFormats.map((format) => imageFormatInfo[format].label).join(", ");
