import { createHash, randomBytes } from "node:crypto";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Storage, type S3StorageSettings } from "./s3-storage";
import { StorageError } from "./storage";
import { closedPort } from "@/test/loopback";
import { startS3Server, type LocalS3Server, type S3Credentials } from "@/test/s3-server";

/**
 * What only S3 does: multipart uploads, the shapes of its links, and how it names a missing bucket,
 * wrong credentials or a store that is down. What every store does is in the conformance suite
 * (s3-storage.conformance.test.ts).
 */

let server: LocalS3Server;
let storage: S3Storage;
// A plain client for looking at what the store really holds.
let inspector: S3Client;
const opened: S3Storage[] = [];

function settings(overrides: Partial<S3StorageSettings> = {}): S3StorageSettings {
  return {
    kind: "s3",
    bucket: server.bucket,
    region: "us-east-1",
    endpoint: server.endpoint,
    forcePathStyle: true,
    presignSeconds: 0,
    ...overrides,
  };
}

function open(overrides: Partial<S3StorageSettings> = {}, credentials: S3Credentials = server.credentials): S3Storage {
  const created = new S3Storage(settings(overrides), { credentials });
  opened.push(created);
  return created;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  server = await startS3Server({ bucket: "products" });
  storage = open();
  inspector = new S3Client({
    region: "us-east-1",
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
});

afterAll(async () => {
  for (const each of opened) each.destroy();
  inspector?.destroy();
  await server?.stop();
});

describe("S3Storage", () => {
  it("uploads an object above the multipart threshold byte for byte", async () => {
    const key = "images/req-big/1.png";
    const bytes = randomBytes(12 * 1024 * 1024);
    const commands: string[] = [];
    const client = new S3Client({
      region: "us-east-1",
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: server.credentials,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? "");
        return next(args);
      },
      { step: "initialize" },
    );
    const recorded = new S3Storage(settings(), { client });
    await recorded.put(key, bytes, { contentType: "image/png" });
    client.destroy();
    expect(commands.filter((name) => name === "UploadPartCommand")).toHaveLength(3);

    const stored = await storage.get(key);
    expect(stored!.size).toBe(bytes.length);
    expect(sha256(await readAll(stored!.body))).toBe(sha256(bytes));
  });

  it("gives a path-style public URL that serves the object over HTTP", async () => {
    const key = "images/req-3/a b+c.jpg";
    const bytes = randomBytes(1000);
    await storage.put(key, bytes, { contentType: "image/jpeg" });

    const url = await storage.publicUrl(key);
    expect(url).toBe(`${server.endpoint}/products/images/req-3/a%20b%2Bc.jpg`);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("gives a presigned URL that serves the object when presignSeconds is set", async () => {
    const key = "images/req-4/1.gif";
    const bytes = randomBytes(500);
    await storage.put(key, bytes, { contentType: "image/gif" });

    const url = await open({ presignSeconds: 600 }).publicUrl(key);
    expect(url.startsWith(`${server.endpoint}/products/images/req-4/1.gif?`)).toBe(true);
    expect(new URL(url).searchParams.get("X-Amz-Expires")).toBe("600");
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("builds public URLs from a public base URL or the bucket's own address", async () => {
    const key = "images/r/ä 1.jpg";
    const cdn = new S3Storage(
      { ...settings(), publicBaseUrl: "https://cdn.example.com/shop/" },
      { credentials: server.credentials },
    );
    expect(await cdn.publicUrl(key)).toBe("https://cdn.example.com/shop/images/r/%C3%A4%201.jpg");

    const aws = new S3Storage(
      { bucket: "shop-images", region: "eu-west-1", forcePathStyle: false, presignSeconds: 0 },
      { credentials: server.credentials },
    );
    expect(await aws.publicUrl(key)).toBe("https://shop-images.s3.eu-west-1.amazonaws.com/images/r/%C3%A4%201.jpg");

    const virtualHosted = new S3Storage(
      {
        bucket: "shop",
        region: "auto",
        endpoint: "https://acct.r2.example.com",
        forcePathStyle: false,
        presignSeconds: 0,
      },
      { credentials: server.credentials },
    );
    expect(await virtualHosted.publicUrl("images/r/1.jpg")).toBe("https://shop.acct.r2.example.com/images/r/1.jpg");
    for (const each of [cdn, aws, virtualHosted]) each.destroy();
  });

  it("names the origins its links point at: the public base URL's, and the bucket's own for presigned links", () => {
    const cdn = new S3Storage(
      { ...settings(), publicBaseUrl: "https://cdn.example.com/shop/" },
      { credentials: server.credentials },
    );
    expect(cdn.fileOrigins).toEqual(["https://cdn.example.com", server.endpoint]);
    const aws = new S3Storage(
      { bucket: "shop-images", region: "eu-west-1", forcePathStyle: false, presignSeconds: 600 },
      { credentials: server.credentials },
    );
    expect(aws.fileOrigins).toEqual(["https://shop-images.s3.eu-west-1.amazonaws.com"]);
    for (const each of [cdn, aws]) each.destroy();
  });

  it("check({ write }) passes on a bucket it can write to and leaves nothing behind", async () => {
    await storage.check({ write: true });
    const listed = await inspector.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: ".health/" }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it("check() without write asks for the bucket and writes nothing", async () => {
    const before = await inspector.send(new ListObjectsV2Command({ Bucket: server.bucket }));
    await storage.check();
    const after = await inspector.send(new ListObjectsV2Command({ Bucket: server.bucket }));
    expect(after.KeyCount ?? 0).toBe(before.KeyCount ?? 0);
  });

  it("check() and put() name a bucket that does not exist", async () => {
    const missing = open({ bucket: "no-such-bucket" });
    const checked = await missing.check().catch((error: unknown) => error);
    expect(checked).toBeInstanceOf(StorageError);
    expect((checked as Error).message).toContain("bucket no-such-bucket does not exist");

    const written = await missing
      .put("images/r/1.jpg", "x", { contentType: "image/jpeg" })
      .catch((error: unknown) => error);
    expect(written).toBeInstanceOf(StorageError);
    expect((written as Error).message).toContain("bucket no-such-bucket does not exist");
  });

  it("check() reports wrong credentials as access denied", async () => {
    const intruder = open({}, { accessKeyId: "WRONG", secretAccessKey: "WRONG" });
    const checked = await intruder.check().catch((error: unknown) => error);
    expect(checked).toBeInstanceOf(StorageError);
    expect((checked as Error).message).toContain("access denied to bucket products (check credentials)");
  });

  it("fails fast with 'cannot be reached' when the store is down", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const down = open({ endpoint });
    const started = Date.now();
    const written = await down
      .put("images/r/1.jpg", randomBytes(100), { contentType: "image/jpeg" })
      .catch((error: unknown) => error);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(written).toBeInstanceOf(StorageError);
    expect((written as Error).message).toContain(`S3 endpoint ${endpoint} cannot be reached`);

    const checked = await down.check().catch((error: unknown) => error);
    expect((checked as Error).message).toContain("cannot be reached");
  });
});
