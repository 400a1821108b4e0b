/**
 * Splits an `Input Image Urls` cell into URLs and judges each one.
 *
 * URLs are separated by commas (or new lines). A comma inside a URL is common on image CDNs
 * (`/w_100,h_100/photo.jpg`), so a piece that directly follows a comma, has no scheme and is not
 * preceded by a space is glued back onto the URL before it.
 */
export function splitImageUrls(cell: string): string[] {
  const urls: string[] = [];
  const pieces = cell.split(/(,|\r?\n)/);
  let current = "";
  for (let i = 0; i < pieces.length; i += 2) {
    const piece = pieces[i];
    const separator = i > 0 ? pieces[i - 1] : "";
    const continuesUrl =
      separator === "," &&
      current !== "" &&
      piece !== "" &&
      !/^\s/.test(piece) &&
      !/^[a-z][a-z0-9+.-]*:/i.test(piece) &&
      !/^www\./i.test(piece);
    if (continuesUrl) {
      current += `,${piece}`;
    } else {
      if (current.trim()) urls.push(current.trim());
      current = piece;
    }
  }
  if (current.trim()) urls.push(current.trim());
  return urls;
}

const MAX_URL_LENGTH = 2048;

/**
 * Judges one URL of a cell: why it cannot be fetched, or the form used to recognise the same image
 * written twice (`HTTPS://Shop.com/a.jpg#x` = `https://shop.com/a.jpg`). One parse serves both.
 */
export function readImageUrl(url: string): { canonical: string } | { problem: string } {
  if (url.length > MAX_URL_LENGTH)
    return { problem: `URL is longer than ${MAX_URL_LENGTH} characters: "${shorten(url)}"` };
  // Another address after a space, "|" or ";" is a second URL, not part of this one (an image proxy's
  // own "…/fetch/https://…" or "?url=https://…" is).
  const joiner = /([\s|;]+)https?:\/\//i.exec(url)?.[1];
  if (joiner !== undefined) {
    const joinedBy = joiner.trim() === "" ? "spaces" : `"${joiner.trim()}"`;
    return { problem: `"${shorten(url)}" is several URLs joined by ${joinedBy}: separate image URLs with commas` };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: `"${shorten(url)}" is not an absolute URL; write it as https://…` };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return {
      problem: `"${shorten(url)}" uses ${parsed.protocol.replace(":", "")}:, only http and https image URLs can be downloaded`,
    };
  }
  if (!parsed.hostname) return { problem: `"${shorten(url)}" has no host name` };
  if (parsed.username || parsed.password)
    return { problem: `"${shorten(url)}" contains a user name or password; remove it` };
  parsed.hash = "";
  return { canonical: parsed.href };
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
