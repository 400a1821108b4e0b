import { config } from "@/lib/config";
import { LocalStorage } from "./local-storage";
import type { Storage } from "./storage";

const globalForStorage = globalThis as typeof globalThis & { __csvImageStorage?: Promise<Storage> };

/** The configured store: S3 when `S3_BUCKET` is set, the local folder otherwise. */
export function getStorage(): Promise<Storage> {
  globalForStorage.__csvImageStorage ??= createStorage();
  return globalForStorage.__csvImageStorage;
}

async function createStorage(): Promise<Storage> {
  const settings = config.storage;
  if (settings.kind === "s3") {
    const { S3Storage } = await import("./s3-storage");
    return new S3Storage(settings);
  }
  return new LocalStorage(settings.dir, config.publicBaseUrl, config.health.minFreeDiskBytes);
}
