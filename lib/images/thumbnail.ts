import sharp from "sharp";

/** Long side of a "before" thumbnail: twice the 64 px it is shown at, for sharp screens. */
const THUMBNAIL_SIZE = 128;

/**
 * A small WebP of the original image, made by the service so that the request page never has a
 * visitor's browser load the uploader's URLs. The first frame of an animation; orientation
 * applied. Null when it cannot be made: a missing preview never fails the image itself.
 */
export async function makeThumbnail(input: Buffer, { maxPixels }: { maxPixels: number }): Promise<Buffer | null> {
  try {
    return await sharp(input, { limitInputPixels: maxPixels, failOn: "error" })
      .autoOrient()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: true })
      .webp({ quality: 60, effort: 2 })
      .toBuffer();
  } catch {
    return null;
  }
}
