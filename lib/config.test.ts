import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

describe("settings", () => {
  it("has a working default for everything", () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: "pglite", dir: ".data/pglite" });
    expect(config.storage).toEqual({ kind: "local", dir: "processed_images" });
    expect(config.jobs.runner).toBe("inline");
    expect(config.publicBaseUrl).toBe("http://localhost:3000");
    expect(config.images).toMatchObject({ defaultQuality: 50, maxBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 });
    expect(config.csv).toEqual({
      maxBytes: 10 * 1024 * 1024,
      maxRows: 10_000,
      maxUrlsPerRow: 50,
      maxImages: 50_000,
      maxProductNameLength: 500,
      uploadTimeoutMs: 120_000,
    });
    expect(config.fetch.allowPorts).toEqual([80, 443]);
  });

  it("lets development fetch from this machine unless FETCH_ALLOW_HOSTS says otherwise; production never", () => {
    expect(loadConfig({ NODE_ENV: "development" }).fetch).toMatchObject({
      allowHosts: ["127.0.0.1", "localhost", "::1"],
      loopbackByDefault: true,
    });
    expect(loadConfig({ NODE_ENV: "development", FETCH_ALLOW_HOSTS: "" }).fetch).toMatchObject({
      allowHosts: [],
      loopbackByDefault: false,
    });
    expect(loadConfig({ NODE_ENV: "production" }).fetch).toMatchObject({ allowHosts: [], loopbackByDefault: false });
  });

  it("allows no other origin by default; CORS_ALLOW_ORIGINS takes origins or *, and refuses anything else", () => {
    expect(loadConfig({}).corsAllowOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ALLOW_ORIGINS: " https://Shop.Example , http://127.0.0.1:8080/,https://a.example:443" })
        .corsAllowOrigins,
    ).toEqual(["https://shop.example", "http://127.0.0.1:8080", "https://a.example"]);
    expect(loadConfig({ CORS_ALLOW_ORIGINS: "*" }).corsAllowOrigins).toEqual(["*"]);
    for (const bad of [
      "shop.example",
      "https://shop.example/admin",
      "ftp://shop.example",
      "https://u:p@shop.example",
    ]) {
      expect(() => loadConfig({ CORS_ALLOW_ORIGINS: `https://ok.example,${bad}` }), bad).toThrow(
        /CORS_ALLOW_ORIGINS: .*each entry must be an origin/,
      );
    }
  });

  it("accepts a Standard Webhooks secret and refuses anything else", () => {
    const secret = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
    expect(loadConfig({ WEBHOOK_SECRET: secret }).webhook.secret).toBe(secret);
    for (const bad of ["shop-secret", "whsec_c2hvcnQ=", `whsec_${Buffer.alloc(32, 1).toString("base64")}!`]) {
      expect(() => loadConfig({ WEBHOOK_SECRET: bad })).toThrow(/WEBHOOK_SECRET: must be whsec_/);
    }
  });

  it("reads outbound ports and refuses a bad list", () => {
    expect(loadConfig({ FETCH_ALLOW_PORTS: "443, 8443" }).fetch.allowPorts).toEqual([443, 8443]);
    expect(() => loadConfig({ FETCH_ALLOW_PORTS: "80,http" })).toThrow(
      /FETCH_ALLOW_PORTS: must be a comma-separated list/,
    );
  });

  it("reads the scale-out settings", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://db/app",
      S3_BUCKET: "shop",
      S3_FORCE_PATH_STYLE: "true",
      INNGEST_DEV: "1",
      PORT: "8080",
      FETCH_ALLOW_HOSTS: "LocalHost, 127.0.0.1",
    });
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://db/app" });
    expect(config.storage).toMatchObject({ kind: "s3", bucket: "shop", forcePathStyle: true, region: "us-east-1" });
    expect(config.jobs.runner).toBe("inngest");
    expect(config.publicBaseUrl).toBe("http://localhost:8080");
    expect(config.fetch.allowHosts).toEqual(["localhost", "127.0.0.1"]);
  });

  it("stops with a message naming each bad setting", () => {
    const attempt = () =>
      loadConfig({ IMAGE_QUALITY: "150", PORT: "web", PUBLIC_BASE_URL: "ftp://shop", JOB_RUNNER: "cron" });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/IMAGE_QUALITY/);
    expect(attempt).toThrow(/PORT/);
    expect(attempt).toThrow(/PUBLIC_BASE_URL/);
    expect(attempt).toThrow(/JOB_RUNNER/);
  });

  it("treats an empty value as not set", () => {
    const config = loadConfig({ PUBLIC_BASE_URL: "", S3_ENDPOINT: " ", WEBHOOK_URL: "", DATABASE_URL: "" });
    expect(config.publicBaseUrl).toBe("http://localhost:3000");
    expect(config.database.kind).toBe("pglite");
    expect(config.webhook.defaultUrl).toBeUndefined();
  });

  it("reads INNGEST_DEV as a switch", () => {
    expect(loadConfig({ INNGEST_DEV: "false" }).inngest.configured).toBe(false);
    expect(loadConfig({ INNGEST_DEV: "0" }).jobs.runner).toBe("inline");
    expect(loadConfig({ INNGEST_DEV: "1" }).jobs.runner).toBe("inngest");
    expect(() => loadConfig({ INNGEST_DEV: "maybe" })).toThrow(/INNGEST_DEV/);
    expect(() => loadConfig({ JOB_RUNNER: "inngest" })).toThrow(/JOB_RUNNER: inngest needs INNGEST_DEV=1/);
  });

  it("limits Inngest's images per owner, reading the setting's earlier per-request name too", () => {
    expect(loadConfig({}).inngest.ownerConcurrency).toBe(5);
    expect(loadConfig({ INNGEST_REQUEST_CONCURRENCY: "8" }).inngest.ownerConcurrency).toBe(8);
    expect(
      loadConfig({ INNGEST_OWNER_CONCURRENCY: "12", INNGEST_REQUEST_CONCURRENCY: "8" }).inngest.ownerConcurrency,
    ).toBe(12);
    expect(() => loadConfig({ INNGEST_OWNER_CONCURRENCY: "0" })).toThrow(/INNGEST_OWNER_CONCURRENCY/);
  });

  it("rejects nonsense limits", () => {
    expect(() => loadConfig({ MAX_CSV_BYTES: "0" })).toThrow(/MAX_CSV_BYTES/);
    expect(() => loadConfig({ WORKER_CONCURRENCY: "-2" })).toThrow(/WORKER_CONCURRENCY/);
    expect(() => loadConfig({ S3_FORCE_PATH_STYLE: "maybe" })).toThrow(/S3_FORCE_PATH_STYLE/);
  });

  it("keeps finished requests 30 days unless RETENTION_DAYS says otherwise; 0 keeps them for ever", () => {
    expect(loadConfig({}).retentionDays).toBe(30);
    expect(loadConfig({ RETENTION_DAYS: "7" }).retentionDays).toBe(7);
    expect(loadConfig({ RETENTION_DAYS: "0" }).retentionDays).toBe(0);
    for (const bad of ["-1", "1.5", "forever"]) {
      expect(() => loadConfig({ RETENTION_DAYS: bad }), bad).toThrow(/RETENTION_DAYS/);
    }
  });

  it("reads the AWS SDK's region and endpoint settings, the service's own winning", () => {
    const storage = (env: Record<string, string>) => loadConfig({ S3_BUCKET: "shop", ...env }).storage;
    expect(storage({})).toMatchObject({ region: "us-east-1", endpoint: undefined });
    expect(storage({ AWS_REGION: "eu-west-1" })).toMatchObject({ region: "eu-west-1" });
    expect(storage({ AWS_REGION: "eu-west-1", S3_REGION: "ap-south-1" })).toMatchObject({ region: "ap-south-1" });
    expect(storage({ AWS_ENDPOINT_URL: "http://127.0.0.1:9000" })).toMatchObject({ endpoint: "http://127.0.0.1:9000" });
    expect(
      storage({ AWS_ENDPOINT_URL: "http://127.0.0.1:9000", AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9001" }),
    ).toMatchObject({ endpoint: "http://127.0.0.1:9001" });
    expect(
      storage({ AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9001", S3_ENDPOINT: "http://127.0.0.1:9002" }),
    ).toMatchObject({ endpoint: "http://127.0.0.1:9002" });
    expect(() => storage({ AWS_ENDPOINT_URL_S3: "ftp://127.0.0.1" })).toThrow(/AWS_ENDPOINT_URL_S3/);
  });
});
