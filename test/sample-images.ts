import sharp from "sharp";

/** A photo-like JPEG: noisy pixels at high quality, so compression at 50 has real work to do. */
export function photoJpeg(width = 320, height = 240): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: "#7a9", noise: { type: "gaussian", mean: 120, sigma: 40 } },
  })
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** A PNG with a transparent background and a noisy opaque square. */
export async function cutoutPng(width = 200, height = 150): Promise<Buffer> {
  const square = await sharp({
    create: {
      width: Math.round(width / 2),
      height: Math.round(height / 2),
      channels: 4,
      background: { r: 200, g: 40, b: 40, alpha: 1 },
      noise: { type: "gaussian", mean: 100, sigma: 30 },
    },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: square, left: Math.round(width / 4), top: Math.round(height / 4) }])
    .png()
    .toBuffer();
}
