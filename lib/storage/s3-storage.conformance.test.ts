import { afterAll, beforeAll } from "vitest";
import { config } from "@/lib/config";
import { closedPort } from "@/test/loopback";
import { type LocalS3Server, startS3Server } from "@/test/s3-server";
import { S3Storage, type S3StorageSettings } from "./s3-storage";
import { describeStorageConformance } from "./storage-conformance";

/** A bucket on a local s3rver, with plain links and with presigned ones. */

let server: LocalS3Server;
let down: string;
const opened: S3Storage[] = [];

function open(overrides: Partial<S3StorageSettings> = {}): S3Storage {
  const settings = { bucket: server.bucket, region: "us-east-1", endpoint: server.endpoint, forcePathStyle: true };
  const storage = new S3Storage({ ...settings, presignSeconds: 0, ...overrides }, { credentials: server.credentials });
  opened.push(storage);
  return storage;
}

beforeAll(async () => {
  server = await startS3Server({ bucket: "conformance" });
  down = `http://127.0.0.1:${await closedPort()}`;
});

afterAll(async () => {
  for (const storage of opened) storage.destroy();
  await server?.stop();
});

for (const [title, presignSeconds] of [
  ["S3", 0],
  ["S3 with presigned links", 600],
] as const) {
  let storage: S3Storage | undefined;
  describeStorageConformance(title, {
    storage: () => (storage ??= open({ presignSeconds })),
    appBaseUrl: config.publicBaseUrl,
    fetchPublic: (url) => fetch(url),
    unusable: () => ({
      storage: open({ endpoint: down }),
      says: /S3 endpoint http:\/\/127\.0\.0\.1:\d+ cannot be reached/,
      hides: [server.credentials.secretAccessKey],
    }),
  });
}
