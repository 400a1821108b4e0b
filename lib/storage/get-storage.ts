import { config } from "@/lib/config";
import { LocalStorage } from "./local-storage";
import type { Storage } from "./storage";
import { processSingleton } from "@/lib/process-singleton";

/** The configured store: S3 when `S3_BUCKET` is set, the local folder otherwise. */
export function getStorage(): Promise<Storage> {
  return processSingleton("storage", createStorage);
}

async function createStorage(): Promise<Storage> {
  const settings = config.storage;
  if (settings.kind === "s3") {
    const { S3Storage } = await import("./s3-storage");
    return new S3Storage(settings);
  }
  return new LocalStorage(settings.dir, config.publicBaseUrl, config.health.minFreeDiskBytes);
}
