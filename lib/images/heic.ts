import { createRequire } from "node:module";
import { deflateSync, crc32 } from "node:zlib";
import sharp from "sharp";
import { type IsoBox, boxesIn, childrenOf, findBox, spatialExtents } from "./iso-boxes";

/**
 * HEIC/HEIF photos (what iPhones save). sharp's prebuilt libvips has no HEVC decoder, so they are
 * decoded by libheif with libde265, compiled to WebAssembly (the `libheif-js` package, LGPL-3.0),
 * on the image thread that compresses them, never on the thread that answers clients. Their size
 * is read from the file's own boxes first, so the pixel limit is applied before any decoding.
 */

// --- The primary image's properties, from the boxes ---------------------------------------------------

type PrimaryImage = {
  /** Stored size (`ispe`), before rotation: what decoding takes. */
  width: number;
  height: number;
  /** Quarter turns anticlockwise (`irot`): 1 and 3 swap width and height on display. */
  quarterTurns: number;
  /** The ICC profile (`colr` of type `prof` or `rICC`), when the image has one. */
  icc: Buffer | null;
};

/** The primary image's size, rotation and colour profile, read from the `meta` box; null when they cannot be found. */
export function readPrimaryImage(bytes: Buffer): PrimaryImage | null {
  const meta = findBox(boxesIn(bytes), "meta");
  if (!meta) return null;
  const metaBoxes = childrenOf(bytes, meta, { full: true });
  const pitm = findBox(metaBoxes, "pitm");
  const iprp = findBox(metaBoxes, "iprp");
  if (!pitm || !iprp) return null;
  const primary = pitmItem(bytes, pitm);
  const iprpBoxes = childrenOf(bytes, iprp);
  const ipco = findBox(iprpBoxes, "ipco");
  const ipma = findBox(iprpBoxes, "ipma");
  if (primary === null || !ipco || !ipma) return null;
  const properties = childrenOf(bytes, ipco);
  const associated = associationsOf(bytes, ipma, primary)
    .map((index) => properties[index - 1])
    .filter(Boolean);
  const ispe = findBox(associated, "ispe");
  const size = ispe && spatialExtents(bytes, ispe);
  if (!size) return null;
  const irot = findBox(associated, "irot");
  const quarterTurns = irot && irot.contentStart < irot.end ? bytes[irot.contentStart] & 0x03 : 0;
  return { ...size, quarterTurns, icc: iccProfile(bytes, associated) };
}

function pitmItem(bytes: Buffer, pitm: IsoBox): number | null {
  const version = bytes[pitm.contentStart];
  const at = pitm.contentStart + 4;
  if (version === 0) return at + 2 <= pitm.end ? bytes.readUInt16BE(at) : null;
  return at + 4 <= pitm.end ? bytes.readUInt32BE(at) : null;
}

/** The 1-based property indices associated with `item` in an `ipma` box. */
function associationsOf(bytes: Buffer, ipma: IsoBox, item: number): number[] {
  const version = bytes[ipma.contentStart];
  const wideIndices = (bytes[ipma.contentStart + 3] & 1) === 1;
  let at = ipma.contentStart + 4;
  if (at + 4 > ipma.end) return [];
  const entries = bytes.readUInt32BE(at);
  at += 4;
  for (let entry = 0; entry < entries; entry++) {
    const idSize = version < 1 ? 2 : 4;
    if (at + idSize + 1 > ipma.end) return [];
    const id = idSize === 2 ? bytes.readUInt16BE(at) : bytes.readUInt32BE(at);
    const count = bytes[at + idSize];
    at += idSize + 1;
    const indexSize = wideIndices ? 2 : 1;
    if (at + count * indexSize > ipma.end) return [];
    const indices = Array.from({ length: count }, (_, n) =>
      wideIndices ? bytes.readUInt16BE(at + 2 * n) & 0x7fff : bytes[at + n] & 0x7f,
    );
    if (id === item) return indices;
    at += count * indexSize;
  }
  return [];
}

function iccProfile(bytes: Buffer, properties: IsoBox[]): Buffer | null {
  for (const colr of properties.filter((box) => box.type === "colr")) {
    const kind = bytes.toString("latin1", colr.contentStart, colr.contentStart + 4);
    if ((kind === "prof" || kind === "rICC") && colr.contentStart + 4 < colr.end) {
      return Buffer.from(bytes.subarray(colr.contentStart + 4, colr.end));
    }
  }
  return null;
}

// --- Decoding -----------------------------------------------------------------------------------------

type HeifChannel = { width: number; height: number; stride: number; data: Uint8Array };
/** An embind enum value: compared by identity with `heif_error_code`'s members. */
type HeifError = { code: unknown; message: string };
type LibHeif = {
  heif_context_alloc(): object;
  heif_context_free(context: object): void;
  heif_context_read_from_memory(context: object, bytes: Uint8Array): HeifError;
  heif_js_context_get_primary_image_handle(context: object): object & Partial<HeifError>;
  heif_image_handle_has_alpha_channel(handle: object): number;
  heif_image_handle_release(handle: object): void;
  heif_js_decode_image2(
    handle: object,
    colorspace: unknown,
    chroma: unknown,
  ): Promise<({ image: object; width: number; height: number; channels: HeifChannel[] } & Partial<HeifError>) | null>;
  heif_image_release(image: object): void;
  heif_error_code: { heif_error_Ok: unknown };
  heif_colorspace: { heif_colorspace_RGB: unknown };
  heif_chroma: { heif_chroma_interleaved_RGB: unknown; heif_chroma_interleaved_RGBA: unknown };
};
type LibHeifFactory = (options: {
  onRuntimeInitialized: () => void;
  onAbort: (reason: unknown) => void;
  print: (text: string) => void;
  printErr: (text: string) => void;
}) => unknown;

const load = createRequire(import.meta.url);

/**
 * A new libheif for each decode. WebAssembly memory only grows: one instance kept for the thread's
 * life would hold the largest image it ever decoded (about 100 MB after a 12 MP photo) for good. A
 * new instance costs 80–360 ms (the module is compiled again; a decode of a 12 MP photo takes
 * seconds), and its memory goes with it once the decode is done. The build with the WebAssembly inside
 * its script is used: a separate .wasm file would be pulled into Next's bundle.
 */
async function newLibHeif(): Promise<LibHeif> {
  const factory = load("libheif-js/libheif-wasm/libheif-bundle.js") as LibHeifFactory;
  return new Promise((resolve, reject) => {
    let instance: unknown = null;
    let ready = false;
    instance = factory({
      onRuntimeInitialized() {
        ready = true;
        // Instantiation is asynchronous: the factory has returned by now.
        if (instance) resolve(instance as LibHeif);
      },
      onAbort: (reason) => reject(new Error(`libheif did not start: ${String(reason)}`)),
      // libheif's own logging would reach the server's output unstructured.
      print: () => {},
      printErr: () => {},
    });
    if (ready) resolve(instance as LibHeif);
  });
}

/** Why libheif could not decode a file, in a seller's words; its own message stays out of it. */
export class HeicDecodeError extends Error {}

/**
 * Decodes the primary image of a HEIC/HEIF file to a lossless PNG carrying its ICC profile, with its
 * rotation and mirroring (`irot`, `imir`) applied and its crop (`clap`): what sharp reads as any other
 * input. EXIF orientation is not applied: in HEIF the boxes are the orientation, and iPhones write the
 * same turn in both, so applying EXIF as well would turn the photo twice.
 */
export async function decodeHeic(bytes: Buffer, icc: Buffer | null): Promise<Buffer> {
  const libheif = await newLibHeif();
  const context = libheif.heif_context_alloc();
  let handle: object | null = null;
  try {
    const read = libheif.heif_context_read_from_memory(context, bytes);
    if (read.code !== libheif.heif_error_code.heif_error_Ok)
      throw new HeicDecodeError(`the file's structure cannot be read`);
    const primary = libheif.heif_js_context_get_primary_image_handle(context);
    if (!primary || primary.code) throw new HeicDecodeError("it has no primary image");
    handle = primary;
    const alpha = libheif.heif_image_handle_has_alpha_channel(handle) === 1;
    const decoded = await libheif.heif_js_decode_image2(
      handle,
      libheif.heif_colorspace.heif_colorspace_RGB,
      alpha ? libheif.heif_chroma.heif_chroma_interleaved_RGBA : libheif.heif_chroma.heif_chroma_interleaved_RGB,
    );
    if (!decoded || decoded.code || !decoded.channels?.[0])
      throw new HeicDecodeError("its image data cannot be decoded");
    const [plane] = decoded.channels;
    const channels = alpha ? 4 : 3;
    // The plane is a view of the WebAssembly memory: copied row by row (rows may be padded) before release.
    const rowBytes = plane.width * channels;
    const pixels = Buffer.alloc(rowBytes * plane.height);
    for (let row = 0; row < plane.height; row++) {
      pixels.set(plane.data.subarray(row * plane.stride, row * plane.stride + rowBytes), row * rowBytes);
    }
    libheif.heif_image_release(decoded.image);
    const png = await sharp(pixels, { raw: { width: plane.width, height: plane.height, channels } })
      // Only a handover to the encode: storing is what costs least here.
      .png({ compressionLevel: 0, adaptiveFiltering: false })
      .toBuffer();
    return icc ? withIccProfile(png, icc) : png;
  } finally {
    if (handle) libheif.heif_image_handle_release(handle);
    libheif.heif_context_free(context);
  }
}

/** A PNG with an `iCCP` chunk after its header: sharp then converts its colours to sRGB like any input's. */
function withIccProfile(png: Buffer, icc: Buffer): Buffer {
  const data = Buffer.concat([Buffer.from("ICC profile\0\0", "latin1"), deflateSync(icc)]);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write("iCCP", 4, "latin1");
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  // Signature (8 bytes) and IHDR (25 bytes) come first.
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}
