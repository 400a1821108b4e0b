/**
 * Draws the sample product photos in `public/samples/` (run once: `npx tsx scripts/make-sample-photos.ts`).
 * They let a first try of the dashboard finish with real compressed images on a machine with no
 * internet: "Try it with sample images" points a CSV at these files on the app's own origin.
 * Each is a studio-style shot (soft background, shadow, a little sensor grain) so it compresses like
 * a real product photo rather than like flat vector art.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";

const SIZE = 900;
const out = path.join(import.meta.dirname, "../public/samples");

const studio = (top: string, bottom: string) => `
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient>
    <radialGradient id="shadow" cx="0.5" cy="0.5" r="0.5"><stop offset="0" stop-color="#000" stop-opacity="0.35"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>
  </defs>
  <rect width="${SIZE}" height="${SIZE}" fill="url(#bg)"/>`;

const photos: Record<string, { svg: string; format: "jpeg" | "png" | "webp" }> = {
  "ceramic-mug.jpg": {
    format: "jpeg",
    svg: `${studio("#f5efe6", "#d9cbb8")}
      <ellipse cx="450" cy="700" rx="230" ry="40" fill="url(#shadow)"/>
      <defs><linearGradient id="mug" x1="0" x2="1"><stop offset="0" stop-color="#1f5f8b"/><stop offset="0.45" stop-color="#3f8fc4"/><stop offset="1" stop-color="#174869"/></linearGradient></defs>
      <path d="M560 360 q150 0 150 120 t-150 130" fill="none" stroke="#1d5a84" stroke-width="42"/>
      <rect x="270" y="300" width="320" height="400" rx="40" fill="url(#mug)"/>
      <ellipse cx="430" cy="305" rx="160" ry="36" fill="#0f3550"/>
      <ellipse cx="430" cy="300" rx="150" ry="30" fill="#5b3a22"/>
      <rect x="300" y="330" width="40" height="330" rx="20" fill="#fff" opacity="0.18"/>`,
  },
  "linen-shirt.jpg": {
    format: "jpeg",
    svg: `${studio("#eef1f4", "#c9d2dc")}
      <ellipse cx="450" cy="790" rx="300" ry="40" fill="url(#shadow)"/>
      <defs><linearGradient id="shirt" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#e8b04a"/><stop offset="1" stop-color="#b97d1d"/></linearGradient></defs>
      <path d="M300 170 L220 200 L110 360 L210 430 L270 360 L270 780 L630 780 L630 360 L690 430 L790 360 L680 200 L600 170 Q450 260 300 170 Z" fill="url(#shirt)"/>
      <path d="M380 180 Q450 240 520 180" fill="none" stroke="#8f5e12" stroke-width="10"/>
      <line x1="450" y1="250" x2="450" y2="780" stroke="#9b6a18" stroke-width="4"/>
      ${[320, 400, 480, 560, 640, 720].map((y) => `<circle cx="465" cy="${y}" r="9" fill="#f7e7c4"/>`).join("")}`,
  },
  "running-shoe.png": {
    format: "png",
    svg: `
      <defs><linearGradient id="shoe" x1="0" x2="1"><stop offset="0" stop-color="#d7263d"/><stop offset="1" stop-color="#8e1425"/></linearGradient></defs>
      <path d="M120 560 Q140 420 260 400 L420 330 Q470 300 520 360 L600 440 Q720 470 790 520 Q820 560 790 600 L140 620 Q110 600 120 560 Z" fill="url(#shoe)"/>
      <path d="M130 600 L800 585 Q815 630 780 650 L160 660 Q120 650 130 600 Z" fill="#f4f4f4"/>
      ${[0, 1, 2, 3].map((i) => `<line x1="${380 + i * 40}" y1="${360 + i * 12}" x2="${430 + i * 40}" y2="${400 + i * 12}" stroke="#fff" stroke-width="10" stroke-linecap="round"/>`).join("")}
      <path d="M250 470 Q420 430 640 500" fill="none" stroke="#ffd23f" stroke-width="18" stroke-linecap="round"/>`,
  },
  "desk-lamp.webp": {
    format: "webp",
    svg: `${studio("#2b2d42", "#14151f")}
      <ellipse cx="450" cy="760" rx="200" ry="34" fill="url(#shadow)"/>
      <defs><radialGradient id="glow" cx="0.62" cy="0.42" r="0.45"><stop offset="0" stop-color="#ffe8a3" stop-opacity="0.55"/><stop offset="1" stop-color="#ffe8a3" stop-opacity="0"/></radialGradient></defs>
      <rect width="${SIZE}" height="${SIZE}" fill="url(#glow)"/>
      <rect x="330" y="730" width="240" height="36" rx="14" fill="#c9ccd6"/>
      <line x1="450" y1="740" x2="360" y2="470" stroke="#c9ccd6" stroke-width="22" stroke-linecap="round"/>
      <line x1="360" y1="470" x2="520" y2="300" stroke="#c9ccd6" stroke-width="22" stroke-linecap="round"/>
      <path d="M500 250 L660 330 L600 430 L450 340 Z" fill="#ef8354"/>
      <ellipse cx="628" cy="383" rx="36" ry="22" fill="#fff3c4"/>`,
  },
};

mkdirSync(out, { recursive: true });
for (const [name, { svg, format }] of Object.entries(photos)) {
  const transparent = format === "png";
  const drawn = await sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}">${svg}</svg>`),
  )
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  // Sensor grain: what makes real photos big, and what compression is for.
  const pixels = drawn.data;
  let seed = name.length * 7919;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] === 0) continue;
    const grain = (random() - 0.5) * 14;
    for (let c = 0; c < 3; c++) pixels[i + c] = Math.max(0, Math.min(255, pixels[i + c] + grain));
  }
  const image = sharp(pixels, { raw: drawn.info });
  const file = path.join(out, name);
  if (format === "jpeg") await image.flatten({ background: "#ffffff" }).jpeg({ quality: 92 }).toFile(file);
  else if (format === "webp") await image.webp({ quality: 92 }).toFile(file);
  else await image.png({ compressionLevel: 6 }).toFile(file);
  console.log(`${name}: ${transparent ? "transparent " : ""}${format}`);
}
