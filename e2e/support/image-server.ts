import { createServer, type IncomingMessage, type Server } from "node:http";
import sharp from "sharp";
import { clampByte, seededRandom } from "../../test/image-fixtures";
import { IMAGE_PORT, IMAGE_SERVER_URL } from "./ports";

/**
 * A local HTTP server of generated product photos for the e2e run (the app may only fetch from the
 * loopback interface here). Some answers are delayed so progress is visible in the browser; one path
 * is missing (404). It also receives webhooks and lists what it received at GET /webhook/deliveries.
 */

export type ImageName = keyof typeof imagePaths;

const imagePaths = {
  /** A large photo-like JPEG saved at high quality: compresses well. */
  sunsetJpeg: "/images/sunset.jpg",
  /** The same kind of photo, answered after 300 ms. */
  harbourJpegSlow: "/images/harbour.jpg?delay=300",
  /** Answered after 2 s: a request holding it is surely still processing when its page opens. */
  meadowJpegSlow: "/images/meadow.jpg?delay=2000",
  /** A transparent PNG with a smooth gradient: palette quantisation makes it smaller. */
  leafPng: "/images/leaf.png?delay=200",
  /** A tiny two-colour PNG: re-encoding cannot beat it, so the original is kept. */
  iconPng: "/images/icon.png",
  /** Answers 404. */
  missing: "/images/missing.jpg",
} as const;

/** Absolute URLs of the server's images, for building CSVs in specs. */
export const imageUrls: Record<ImageName, string> = Object.fromEntries(
  Object.entries(imagePaths).map(([name, path]) => [name, `${IMAGE_SERVER_URL}${path}`]),
) as Record<ImageName, string>;

export const webhookUrl = `${IMAGE_SERVER_URL}/webhook`;

export type WebhookDelivery = {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  receivedAt: string;
};

export type ImageServer = { url: string; close: () => Promise<void> };

export async function startImageServer({ port = IMAGE_PORT }: { port?: number } = {}): Promise<ImageServer> {
  const files = await generateImages();
  const deliveries: WebhookDelivery[] = [];

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", `http://127.0.0.1:${port}`);
    if (url.pathname === "/webhook" && request.method === "POST") {
      const text = await readBody(request);
      deliveries.push({ headers: request.headers, body: safeJson(text), receivedAt: new Date().toISOString() });
      response.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
      return;
    }
    if (url.pathname === "/webhook/deliveries") {
      response
        .writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" })
        .end(JSON.stringify(deliveries));
      return;
    }
    const file = files.get(url.pathname);
    const delay = Math.min(5_000, Number(url.searchParams.get("delay")) || 0);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    if (!file) {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
      return;
    }
    // Images are shown in the browser (the "before" thumbnails) and fetched by the app.
    response.writeHead(200, {
      "Content-Type": file.contentType,
      "Content-Length": file.body.length,
      "Cache-Control": "public, max-age=60",
    });
    response.end(request.method === "HEAD" ? undefined : file.body);
  });

  await listen(server, port);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** The webhooks the image server has received so far (it runs in the test runner's process). */
export async function fetchWebhookDeliveries(): Promise<WebhookDelivery[]> {
  const response = await fetch(`${IMAGE_SERVER_URL}/webhook/deliveries`);
  return (await response.json()) as WebhookDelivery[];
}

async function generateImages(): Promise<Map<string, { body: Buffer; contentType: string }>> {
  const photo = (width: number, height: number, seed: number) =>
    sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } });
  const [sunset, harbour, meadow, leaf, icon] = await Promise.all([
    photo(1200, 800, 1).jpeg({ quality: 92 }).toBuffer(),
    photo(1000, 750, 2).jpeg({ quality: 95 }).toBuffer(),
    photo(900, 900, 3).jpeg({ quality: 90 }).toBuffer(),
    sharp(leafPixels(480, 360), { raw: { width: 480, height: 360, channels: 4 } })
      .png({ compressionLevel: 6 })
      .toBuffer(),
    sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 79, g: 70, b: 229 } } })
      .png({ palette: true, colours: 2, compressionLevel: 9 })
      .toBuffer(),
  ]);
  return new Map([
    ["/images/sunset.jpg", { body: sunset, contentType: "image/jpeg" }],
    ["/images/harbour.jpg", { body: harbour, contentType: "image/jpeg" }],
    ["/images/meadow.jpg", { body: meadow, contentType: "image/jpeg" }],
    ["/images/leaf.png", { body: leaf, contentType: "image/png" }],
    ["/images/icon.png", { body: icon, contentType: "image/png" }],
  ]);
}

/** Smooth colour fields with soft waves and grain: compresses like a photo, not like a flat colour. */
function photoPixels(width: number, height: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const wave = Math.sin((u * 6 + seed) * Math.PI) * Math.cos((v * 4 - seed) * Math.PI);
      const grain = (random() - 0.5) * 24;
      const i = (y * width + x) * 3;
      pixels[i] = clampByte(200 - v * 120 + wave * 40 + grain);
      pixels[i + 1] = clampByte(90 + u * 100 + wave * 30 + grain);
      pixels[i + 2] = clampByte(60 + v * 150 - wave * 35 + grain);
    }
  }
  return pixels;
}

/** A green disc on a transparent background, shaded from edge to centre. */
function leafPixels(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 4);
  const radius = Math.min(width, height) * 0.45;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const distance = Math.hypot(x - width / 2, y - height / 2) / radius;
      const i = (y * width + x) * 4;
      pixels[i] = clampByte(40 + distance * 60);
      pixels[i + 1] = clampByte(160 - distance * 50 + (x % 7));
      pixels[i + 2] = clampByte(70 + (y % 5) * 3);
      pixels[i + 3] = distance > 1 ? 0 : 255;
    }
  }
  return pixels;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
