import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys: `cic_<prefix>_<secret>`. The prefix (8 characters) names a key in lists, logs and the
 * CLI's `revoke`; the whole key is kept only as its SHA-256 hash. Keys are 35 random characters,
 * so a fast hash is enough: there is nothing to guess, only to compare.
 */

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const KEY = /^cic_([A-Za-z0-9]{8})_([A-Za-z0-9]{27})$/;

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomText(8);
  const key = `cic_${prefix}_${randomText(27)}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The prefix of something shaped like one of our keys, or null. */
export function apiKeyPrefix(key: string): string | null {
  return KEY.exec(key)?.[1] ?? null;
}

export function apiKeyMatches(key: string, storedHash: string): boolean {
  const given = Buffer.from(hashApiKey(key), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** A Standard Webhooks secret for a new workspace. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

function randomText(length: number): string {
  // Rejection sampling keeps every character equally likely.
  let text = "";
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && text.length < length) text += ALPHABET[byte % 62];
    }
  }
  return text;
}
