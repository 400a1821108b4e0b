import { vi } from "vitest";
import { replaceProcessSingleton } from "@/lib/process-singleton";
import type { LocalS3Server } from "./s3-server";

/**
 * Points the service's settings at a local s3rver: path-style URLs, s3rver's key pair through the
 * SDK's default chain (the environment comes first in it), and output links served by the service
 * unless `presignSeconds` asks for presigned ones. `lib/config` reads the environment once, so a test
 * file calls this before it imports anything that reaches it.
 */
export function serviceOnS3Server(s3: LocalS3Server, { presignSeconds = 0 }: { presignSeconds?: number } = {}) {
  vi.stubEnv("S3_BUCKET", s3.bucket);
  vi.stubEnv("S3_ENDPOINT", s3.endpoint);
  vi.stubEnv("S3_FORCE_PATH_STYLE", "true");
  vi.stubEnv("S3_REGION", "us-east-1");
  vi.stubEnv("S3_PUBLIC_BASE_URL", undefined);
  vi.stubEnv("S3_PRESIGN_SECONDS", String(presignSeconds));
  vi.stubEnv("AWS_ACCESS_KEY_ID", s3.credentials.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", s3.credentials.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", undefined);
  vi.stubEnv("AWS_REGION", "us-east-1");
  // Nothing imported yet should have made a store, but a local one kept here would hide every S3 path.
  replaceProcessSingleton("storage", undefined);
}
