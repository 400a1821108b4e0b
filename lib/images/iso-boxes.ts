/**
 * Reading the boxes of an ISO base media file (AVIF, HEIC): just enough structure to tell what a file
 * holds (a still image or a sequence, its size, its layers) from its bytes, before any decoder sees it.
 * Every read is bounds-checked: the bytes come from anywhere.
 */

export type IsoBox = {
  type: string;
  /** Where the box starts in the file, and where its content starts and ends. */
  start: number;
  contentStart: number;
  end: number;
  /** The box claims more bytes than the file has: it was cut short. */
  truncated: boolean;
};

/** The boxes between `start` and `end`, in order; a box that runs past `end` is the last, marked truncated. */
export function boxesIn(bytes: Buffer, start = 0, end = bytes.length): IsoBox[] {
  const boxes: IsoBox[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    let size = bytes.readUInt32BE(offset);
    const type = bytes.toString("latin1", offset + 4, offset + 8);
    let contentStart = offset + 8;
    if (size === 1) {
      if (offset + 16 > end) break;
      size = Number(bytes.readBigUInt64BE(offset + 8));
      contentStart = offset + 16;
    } else if (size === 0) {
      // A size of 0 means "to the end of the file".
      size = end - offset;
    }
    if (size < contentStart - offset) break;
    const truncated = offset + size > end;
    boxes.push({ type, start: offset, contentStart, end: Math.min(offset + size, end), truncated });
    if (truncated) break;
    offset += size;
  }
  return boxes;
}

/** The boxes inside a box; a full box (version and flags first, like `meta`) when `full`. */
export function childrenOf(bytes: Buffer, box: IsoBox, { full = false } = {}): IsoBox[] {
  return boxesIn(bytes, box.contentStart + (full ? 4 : 0), box.end);
}

export const findBox = (boxes: IsoBox[], type: string) => boxes.find((box) => box.type === type);

/** The item properties of a HEIF file (`meta/iprp/ipco`), in their 1-based order, or null when it has none. */
export function itemProperties(bytes: Buffer): IsoBox[] | null {
  const meta = findBox(boxesIn(bytes), "meta");
  const iprp = meta && findBox(childrenOf(bytes, meta, { full: true }), "iprp");
  const ipco = iprp && findBox(childrenOf(bytes, iprp), "ipco");
  return ipco ? childrenOf(bytes, ipco) : null;
}

/** Width and height from an `ispe` property (image spatial extents). */
export function spatialExtents(bytes: Buffer, ispe: IsoBox): { width: number; height: number } | null {
  if (ispe.contentStart + 12 > ispe.end) return null;
  return { width: bytes.readUInt32BE(ispe.contentStart + 4), height: bytes.readUInt32BE(ispe.contentStart + 8) };
}
