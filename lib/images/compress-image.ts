import sharp, { type FormatEnum, type Metadata, type OutputInfo, type Sharp } from "sharp";
import { config } from "@/lib/config";
import { ImageFailure } from "@/lib/errors";
import { formatBytes } from "@/lib/format";
import { HeicDecodeError, decodeHeic, readPrimaryImage } from "./heic";
import { imageWorkGate } from "./image-work-gate";
import { makeOriginalPreview, makeThumbnail, type OriginalPreview, originalAsPreview } from "./thumbnail";
import { type ImageFormat, type OutputChoice, imageFormatInfo } from "./image-formats";
import { sniffImage } from "./sniff-image";
import { stripMetadata } from "./strip-metadata";
import { noPixelsReason, notValidReason, unreadableReason, unsupportedFeature } from "./unreadable-reasons";

// A server sees each image once: sharp's operation cache would only hold memory (50 MB by default).
sharp.cache(false);

export type CompressOptions = {
  /** Encoder quality, 1–100 (DESIGN §4: 50 unless the request says otherwise). */
  quality: number;
  /** Largest frame accepted, in pixels (width × height). */
  maxPixels?: number;
  /** Largest image accepted once decoded, in bytes (all frames, all channels). */
  maxDecodedBytes?: number;
  /** Memory all image work may hold at once: a HEIC whose decode alone would take more is refused. */
  memoryBudgetBytes?: number;
  /**
   * Also make the previews the pages show, in the same pass over the memory budget: with `list`, the
   * small "before" and "after" thumbnails of the request page's list; always the "before" of a
   * full-size compare, `compareSide` pixels at most on its long side (0: none;
   * `COMPARE_PREVIEW_MAX_SIDE` unless given).
   */
  previews?: { list: boolean; compareSide?: number };
  /** Most frames (pages) accepted in an animation. */
  maxFrames?: number;
  /** Processing time after which sharp gives up; keeps a pathological file from holding a worker. */
  timeoutSeconds?: number;
  /** What the image becomes (`keep` unless the request says otherwise). */
  format?: OutputChoice;
  /** Largest output size: the image is scaled down to fit, never enlarged. */
  maxWidth?: number | null;
  maxHeight?: number | null;
  /**
   * Largest output file, in bytes: each format is written at the highest quality up to `quality`
   * whose file fits (a bounded search); an image that does not fit even at quality 1 fails with the reason.
   */
  maxBytes?: number | null;
};

export type CompressedImage = {
  data: Buffer;
  format: ImageFormat;
  contentType: string;
  extension: string;
  /** Displayed size: after EXIF orientation; for an animation, one frame. */
  width: number;
  height: number;
  frames: number;
  bytesIn: number;
  /** Larger than `bytesIn` only when the original could not be kept (see `keptOriginal`). */
  bytesOut: number;
  /** False when re-encoding did not make the file smaller and `data` is the original, its metadata stripped. */
  optimized: boolean;
  /** The quality the output was encoded at: the one asked for, or lower to fit `maxBytes`. */
  quality: number;
  /** The small WebP preview of the original, when asked for and it could be made. */
  thumbnail: Buffer | null;
  /** The small WebP preview of the output, when asked for and it could be made. */
  outputThumbnail: Buffer | null;
  /** The original at the output's size for a full-size compare, when asked for and it could be made. */
  originalPreview: OriginalPreview | null;
};

const DEFAULT_TIMEOUT_SECONDS = 120;

const megapixels = (pixels: number) => {
  const mp = pixels / 1_000_000;
  return mp >= 10 ? `${Math.round(mp)} MP` : `${Number(mp.toPrecision(2))} MP`;
};

/** Reads the header only; the pixel limit is ours to apply, with a clearer message than sharp's. */
async function readHeader(input: Buffer, format: ImageFormat): Promise<Metadata> {
  try {
    return await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw ImageFailure.permanent(unreadableReason(input, format, error));
  }
}

/**
 * Re-encodes an image at `quality` in its own format (TIFF becomes JPEG, or PNG when it has alpha) or
 * the one `format` asks for, scaled down to fit `maxWidth` × `maxHeight` when given, with EXIF
 * orientation applied, colours converted to sRGB and metadata dropped. Animations keep every
 * frame, their delays and loop count. When the original is already in the format asked for and fits,
 * and the result is not smaller, the original comes back with `optimized: false`, its metadata stripped
 * without re-encoding (unless that cannot be done: see `keptOriginal`). Throws `ImageFailure`
 * (permanent) for files that are not images, are damaged, or exceed the limits; the limits are checked
 * on the header, before any pixel is decoded.
 */
export async function compressImage(input: Buffer, options: CompressOptions): Promise<CompressedImage> {
  const {
    quality,
    maxPixels = config.images.maxPixels,
    maxDecodedBytes = config.images.maxDecodedBytes,
    memoryBudgetBytes = config.images.memoryBudgetBytes,
    maxFrames = config.images.maxFrames,
    timeoutSeconds = DEFAULT_TIMEOUT_SECONDS,
  } = options;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new RangeError(`quality must be an integer from 1 to 100, got ${quality}`);
  }

  const sniffed = await sniffImage(input);
  if (sniffed.notAnImage !== undefined) throw ImageFailure.permanent(sniffed.notAnImage);
  const inputFormat = sniffed.format;

  const unsupported = unsupportedFeature(input, inputFormat);
  if (unsupported) throw ImageFailure.permanent(unsupported);
  const primaryHeic = inputFormat === "heic" ? readPrimaryImage(input) : null;
  const header = inputFormat === "heic" ? heicHeader(input, primaryHeic) : await readHeader(input, inputFormat);
  if (
    header.format !== imageFormatInfo[inputFormat].sharpName ||
    (inputFormat === "avif" && header.compression === "hevc")
  ) {
    throw ImageFailure.permanent(notValidReason(inputFormat));
  }
  const framePixels = header.width * header.height;
  if (!(framePixels > 0)) throw ImageFailure.permanent(noPixelsReason(inputFormat));
  if (framePixels > maxPixels) {
    throw ImageFailure.permanent(
      `the image is ${header.width}×${header.height} pixels (${megapixels(framePixels)}); the limit is ${megapixels(maxPixels)}`,
    );
  }
  const pages = header.pages ?? 1;
  if (pages > maxFrames) {
    throw ImageFailure.permanent(`the image has ${pages} frames; the limit is ${maxFrames}`);
  }

  const animated = imageFormatInfo[inputFormat].animatable && pages > 1;
  const framesRead = animated ? pages : 1;
  // Every frame is decoded, so the pixel limit covers them all: a tiny file of many large frames
  // would otherwise hold a worker for minutes.
  if (framePixels * framesRead > maxPixels) {
    throw ImageFailure.permanent(
      `the animation has ${framesRead} frames of ${header.width}×${header.height} pixels (${megapixels(framePixels * framesRead)} in all); the limit is ${megapixels(maxPixels)}`,
    );
  }
  const decodedBytes = decodedSize(header, framesRead);
  if (decodedBytes > maxDecodedBytes) {
    throw ImageFailure.permanent(
      `the image needs ${formatBytes(decodedBytes)} of memory once decoded (${header.width}×${header.height}, ${header.channels ?? "?"} channels of ${bytesPerSample(header) * 8} bits${framesRead > 1 ? `, ${framesRead} frames` : ""}); the limit is ${formatBytes(maxDecodedBytes)}`,
    );
  }
  // Decoding outside sharp (HEIC in WebAssembly) must fit the whole budget: unlike sharp it cannot
  // stream, and running alone (see the gate) would not make it smaller.
  const readingMemory = imageFormatInfo[inputFormat].readingMemory ?? 0;
  if (decodedBytes * readingMemory > memoryBudgetBytes) {
    const largest = memoryBudgetBytes / readingMemory / (header.channels ?? 4);
    throw ImageFailure.permanent(
      `the ${imageFormatInfo[inputFormat].label} photo is ${megapixels(framePixels)}; photos in this format are read up to ${megapixels(largest)} here (decoding one takes more memory than other formats)`,
    );
  }
  // What the encode will hold, not only the decoded pixels: candidates are encoded one at a time.
  const candidates = outputCandidates(options.format ?? "keep", ownCandidates(inputFormat, header), animated);
  const workingMemory = Math.max(
    readingMemory,
    ...candidates.map((candidate) => imageFormatInfo[candidate].workingMemory),
  );
  return imageWorkGate().run(decodedBytes * workingMemory, async () => {
    // A HEIC is decoded here, within the memory it was granted, into what sharp reads: a lossless PNG.
    const source = primaryHeic ? await decodedHeic(input, primaryHeic.icc) : input;
    return encodeWithin(input, {
      ...options,
      source,
      maxPixels,
      inputFormat,
      candidates,
      header: primaryHeic ? await readHeader(source, "png") : header,
      animated,
      framesRead,
      timeoutSeconds,
    });
  });
}

/**
 * A HEIC's header from its boxes, as sharp would give it for any other input: the primary image's size
 * as displayed (after its rotation), one frame, and up to four 8-bit channels for the memory it needs.
 */
function heicHeader(input: Buffer, primary: ReturnType<typeof readPrimaryImage>): Metadata {
  if (!primary) {
    throw ImageFailure.permanent(unreadableReason(input, "heic", new Error("its image size cannot be found")));
  }
  const turned = primary.quarterTurns % 2 === 1;
  return {
    format: "heif",
    width: turned ? primary.height : primary.width,
    height: turned ? primary.width : primary.height,
    channels: 4,
    depth: "uchar",
    pages: 1,
    space: "srgb",
  } as Metadata;
}

async function decodedHeic(input: Buffer, icc: Buffer | null): Promise<Buffer> {
  try {
    return await decodeHeic(input, icc);
  } catch (error) {
    if (error instanceof HeicDecodeError) throw ImageFailure.permanent(unreadableReason(input, "heic", error));
    throw error;
  }
}

async function encodeWithin(
  input: Buffer,
  options: CompressOptions & {
    /** What sharp reads: the input, or for a HEIC its decoded image. */
    source: Buffer;
    maxPixels: number;
    inputFormat: ImageFormat;
    candidates: ImageFormat[];
    header: Metadata;
    animated: boolean;
    framesRead: number;
    timeoutSeconds: number;
  },
): Promise<CompressedImage> {
  const { source, quality, maxPixels, inputFormat, candidates, header, animated, framesRead, timeoutSeconds } = options;
  const { maxWidth = null, maxHeight = null, maxBytes = null } = options;

  const pipeline = () => {
    let image = sharp(source, {
      // For an animation sharp applies the limit to all frames stacked together, as checked above.
      limitInputPixels: maxPixels,
      // 'error' refuses truncated files; 'warning' (sharp's default) would also refuse JPEGs that browsers
      // show without complaint, such as those with stray bytes between markers.
      failOn: "error",
      animated,
    }).timeout({ seconds: timeoutSeconds });
    // EXIF orientation belongs to still photos; frames of an animation are not rotated one by one.
    if (!animated) image = image.autoOrient();
    if (maxWidth !== null || maxHeight !== null) {
      image = image.resize({
        width: maxWidth ?? undefined,
        height: maxHeight ?? undefined,
        fit: "inside",
        withoutEnlargement: true,
      });
    }
    return image;
  };

  const encodeAt = async (candidate: ImageFormat, at: number) => {
    let result = await encode(pipeline(), candidate, at, header).toBuffer({ resolveWithObject: true });
    // Frames that differ by less than the GIF encoder's allowed error are merged into one; a scaled-down
    // animation can lose every frame but the first that way. Such a GIF is written again exactly.
    if (animated && candidate === "gif" && (await framesOf(result.data)) < framesRead) {
      result = await encode(pipeline(), candidate, at, header, { exactFrames: true }).toBuffer({
        resolveWithObject: true,
      });
    }
    return result;
  };

  // Each candidate format is encoded in turn (one decode in memory at a time) and the smallest kept.
  let best: { data: Buffer; format: ImageFormat; width: number; height: number; quality: number } | null = null;
  let smallestMiss: { format: ImageFormat; bytes: number } | null = null;
  for (const candidate of candidates) {
    try {
      let result: Encoded & { quality: number } = { ...(await encodeAt(candidate, quality)), quality };
      if (maxBytes !== null && result.data.length > maxBytes) {
        const search = await highestQualityWithin(maxBytes, quality, (at) => encodeAt(candidate, at));
        if (!search.fit) {
          const bytes = Math.min(search.smallestBytes, result.data.length);
          if (!smallestMiss || bytes < smallestMiss.bytes) smallestMiss = { format: candidate, bytes };
          continue;
        }
        result = search.fit;
      }
      if (best && result.data.length >= best.data.length) continue;
      const height = animated ? (result.info.pageHeight ?? result.info.height / framesRead) : result.info.height;
      best = { data: result.data, format: candidate, width: result.info.width, height, quality: result.quality };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (/^timeout/i.test(reason)) {
        throw ImageFailure.permanent(`the image took longer than ${timeoutSeconds} s to process`);
      }
      if (/exceeds pixel limit/i.test(reason)) {
        throw ImageFailure.permanent(`the image is larger than the limit of ${megapixels(maxPixels)}`);
      }
      throw ImageFailure.permanent(unreadableReason(input, inputFormat, error));
    }
  }
  if (!best && smallestMiss && maxBytes !== null) {
    throw ImageFailure.permanent(
      `the image cannot be made ${formatBytes(maxBytes)} or smaller: even at the lowest quality it does not fit (the smallest it came to is ${formatBytes(smallestMiss.bytes)} as ${imageFormatInfo[smallestMiss.format].label}); allow a larger size, or a smaller maximum width and height`,
    );
  }
  if (!best) throw new Error("no output format to encode");

  // The original stands when it is already what was asked for and re-encoding did not make it smaller.
  const original = displayedSize(header, framesRead);
  const originalQualifies =
    best.format === inputFormat &&
    (maxWidth === null || original.width <= maxWidth) &&
    (maxHeight === null || original.height <= maxHeight);
  const keptCandidate = originalQualifies && best.data.length >= input.length ? keptOriginal(input, options) : null;
  const kept = keptCandidate && (maxBytes === null || keptCandidate.length <= maxBytes) ? keptCandidate : null;
  // Previews of the original are made from its decodable source (a HEIC's primary image).
  const previews = options.previews
    ? await makePreviews(source, kept ?? best.data, {
        ...best,
        ...options.previews,
        maxPixels,
        header,
        inputFormat,
        animated,
      })
    : { thumbnail: null, outputThumbnail: null, originalPreview: null };
  if (kept) {
    return {
      ...previews,
      data: kept,
      format: inputFormat,
      ...contentTypeAndExtension(inputFormat),
      width: best.width,
      height: best.height,
      frames: framesRead,
      bytesIn: input.length,
      bytesOut: kept.length,
      optimized: false,
      quality,
    };
  }
  return {
    ...previews,
    data: best.data,
    format: best.format,
    ...contentTypeAndExtension(best.format),
    width: best.width,
    height: best.height,
    frames: framesRead,
    bytesIn: input.length,
    bytesOut: best.data.length,
    optimized: true,
    quality: best.quality,
  };
}

/** The pages' previews of an image and of its output (see `thumbnail.ts`). */
async function makePreviews(
  input: Buffer,
  output: Buffer,
  {
    width,
    height,
    maxPixels,
    header,
    inputFormat,
    animated,
    list,
    compareSide = config.images.comparePreviewMaxSide,
  }: {
    width: number;
    height: number;
    maxPixels: number;
    header: Metadata;
    inputFormat: ImageFormat;
    animated: boolean;
    list: boolean;
    compareSide?: number;
  },
) {
  const compare = { width, height, maxSide: compareSide };
  return {
    thumbnail: list ? await makeThumbnail(input, { maxPixels }) : null,
    outputThumbnail: list ? await makeThumbnail(output, { maxPixels }) : null,
    originalPreview:
      originalAsPreview(input, { ...compare, format: inputFormat, header, animated }) ??
      (await makeOriginalPreview(input, { ...compare, maxPixels, hasAlpha: header.hasAlpha ?? false })),
  };
}

/**
 * The original as it may be served in place of a larger re-encoded image: its metadata stripped, its
 * pixels untouched. Null when it must not stand, and the re-encoded image is served though larger: a
 * still image turned by its EXIF orientation (stripping the EXIF would turn it back; the re-encoded
 * one is upright), or metadata that cannot be stripped safely (see `stripMetadata`).
 */
function keptOriginal(
  input: Buffer,
  { inputFormat, header, animated }: { inputFormat: ImageFormat; header: Metadata; animated: boolean },
): Buffer | null {
  // Animations are not turned (see the pipeline), so their orientation is dropped either way.
  if (!animated && (header.orientation ?? 1) !== 1) return null;
  return stripMetadata(input, inputFormat, header);
}

/**
 * What `keep` may write: the image's own format. A TIFF or HEIC, which browsers do not show (HEIC only
 * Safari), becomes the smallest of the web formats that fit it, since keeping the original is no
 * option: JPEG for a colour image (PNG with transparency; a HEIC's is not known before decoding, so it
 * is put on white); a grey PNG or JPEG for a greyscale scan, and a two-colour PNG or JPEG for a
 * bilevel (fax) page, whose text a JPEG holds in several times the bytes of the scan.
 */
function ownCandidates(inputFormat: ImageFormat, header: Metadata): ImageFormat[] {
  if (imageFormatInfo[inputFormat].encoder) return [inputFormat];
  if (header.hasAlpha) return ["png"];
  return isGrey(header) ? ["png", "jpeg"] : ["jpeg"];
}

/**
 * The formats an image may be written in for the request's `format`, smallest result wins. An
 * animation never becomes a still image: only WebP besides its own format can hold it, and AVIF is
 * not used for it.
 */
function outputCandidates(format: OutputChoice, own: ImageFormat[], animated: boolean): ImageFormat[] {
  const unique = (formats: ImageFormat[]) => [...new Set(formats)];
  switch (format) {
    case "keep":
      return own;
    case "auto":
      return unique(animated ? [...own, "webp"] : [...own, "webp", "avif"]);
    default:
      return animated && format !== "webp" ? own : [format];
  }
}

const isGrey = (header: Metadata) => header.space === "b-w" || header.space === "grey16";

/** One bit a pixel: black and white only, as fax machines and document scanners write. */
const isBilevel = (header: Metadata) => isGrey(header) && header.bitsPerSample === 1;

type Encoded = { data: Buffer; info: OutputInfo };

/**
 * The highest quality below `quality` whose output fits `maxBytes`, by bisection: at most seven encodes
 * for quality 50 or 100, and when nothing fits, quality 1 is among them. Only outputs that fit are
 * taken: a palette PNG is not smaller at every lower quality (at quality 1 a logo came out larger than
 * at 50), so the search may settle below the best fitting quality, never above the limit.
 */
async function highestQualityWithin(
  maxBytes: number,
  quality: number,
  encodeAt: (quality: number) => Promise<Encoded>,
): Promise<{ fit: (Encoded & { quality: number }) | null; smallestBytes: number }> {
  let fit: (Encoded & { quality: number }) | null = null;
  let smallestBytes = Infinity;
  // Qualities above `high` are known not to fit; `low` fits (0: none known yet).
  let low = 0;
  let high = quality - 1;
  while (high > low) {
    const middle = Math.ceil((low + high) / 2);
    const result = await encodeAt(middle);
    smallestBytes = Math.min(smallestBytes, result.data.length);
    if (result.data.length <= maxBytes) {
      fit = { ...result, quality: middle };
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return { fit, smallestBytes };
}

async function framesOf(image: Buffer): Promise<number> {
  return (await sharp(image).metadata()).pages ?? 1;
}

/** Width and height as shown: after EXIF orientation, one frame of an animation. */
function displayedSize(header: Metadata, frames: number) {
  const turned = (header.orientation ?? 1) >= 5;
  const frameHeight = header.pageHeight ?? header.height / frames;
  return turned ? { width: frameHeight, height: header.width } : { width: header.width, height: frameHeight };
}

const sampleBytes: Record<string, number> = {
  uchar: 1,
  char: 1,
  ushort: 2,
  short: 2,
  uint: 4,
  int: 4,
  float: 4,
  complex: 8,
  double: 8,
  dpcomplex: 16,
};

function bytesPerSample(header: Metadata): number {
  return sampleBytes[header.depth ?? "uchar"] ?? 1;
}

/** What decoding takes: width × height × channels × bytes per channel × frames. */
function decodedSize(header: Metadata, frames: number): number {
  return header.width * header.height * (header.channels ?? 4) * bytesPerSample(header) * frames;
}

function contentTypeAndExtension(format: ImageFormat) {
  const { contentType, extension } = imageFormatInfo[format];
  return { contentType, extension };
}

/**
 * Sets the output encoder from the format's table entry. sharp converts to sRGB and strips metadata by
 * default; grey images are kept grey where the format stores a single channel (a third of the data of RGB).
 */
function encode(
  pipeline: Sharp,
  format: ImageFormat,
  quality: number,
  header: Metadata,
  { exactFrames = false } = {},
): Sharp {
  const { encoder } = imageFormatInfo[format];
  if (!encoder) throw new Error(`${imageFormatInfo[format].label} is never written`);
  const grey = isGrey(header);
  // JPEG has no transparency: what was transparent becomes white, as on most product pages.
  if (format === "jpeg" && header.hasAlpha) pipeline = pipeline.flatten({ background: "#ffffff" });
  if (grey && (format === "jpeg" || format === "png")) pipeline = pipeline.toColourspace("b-w");
  const options = {
    ...encoder({ quality, progressive: header.isProgressive ?? false }),
    // Two colours make a 1-bit palette: a bilevel page stays exactly black and white, at an eighth of
    // the bytes of grey. Dithering would only add grey noise to it.
    ...(format === "png" && isBilevel(header) ? { colours: 2, dither: 0 } : {}),
    ...(imageFormatInfo[format].animatable ? animation(header) : {}),
    ...(exactFrames ? { interFrameMaxError: 0 } : {}),
  };
  // Only formats with an encoder get here, and each is one sharp writes.
  return pipeline.toFormat(format as keyof FormatEnum, options);
}

function animation(header: Metadata) {
  return {
    ...(header.loop !== undefined ? { loop: header.loop } : {}),
    ...(header.delay?.length ? { delay: header.delay } : {}),
  };
}
