import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UploadAccepted } from "@/lib/contract";
import { SOCKET_ADDRESS_HEADER } from "@/lib/auth/client-address";
import { getInlineRunner } from "@/lib/jobs/inline-runner";
import { BROWSER, type Caller, uploadCsv } from "@/test/api";
import { expectContract } from "@/test/contract";
import { requestsNamed, uniqueFileName } from "@/test/db";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

/** `Idempotency-Key` on upload: a retried upload is accepted once. */

const upload = { method: "post", path: "/api/csv/upload" } as const;
let images: ImageServer;
let csv: string;

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(32, 24), "image/jpeg"));
  csv = productCsv(["Shirt", images.url("/a.jpg")]);
});

afterAll(async () => {
  await getInlineRunner().idle();
  await images.close();
});

const withKey = (key: string, as: Caller = BROWSER): Caller => ({ ...as, "idempotency-key": key });

describe("an upload sent again with the same Idempotency-Key", () => {
  it("answers the first 202 again and creates nothing", async () => {
    const fileName = uniqueFileName();
    const key = crypto.randomUUID();
    const first = await uploadCsv(csv, { fileName, as: withKey(key) });
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await uploadCsv(csv, { fileName, as: withKey(key) });
    expect(again.status).toBe(202);
    await expectContract(again, upload);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(await again.json()).toEqual(await first.json());
    expect(await requestsNamed(fileName)).toBe(1);
  });

  it("with a different file or fields is a 422, and nothing is stored", async () => {
    const fileName = uniqueFileName();
    const key = crypto.randomUUID();
    expect((await uploadCsv(csv, { fileName, as: withKey(key) })).status).toBe(202);

    const otherFile = await uploadCsv(csv.replace("Shirt", "Shoes"), { fileName, as: withKey(key) });
    const otherFields = await uploadCsv(csv, { fileName, fields: { quality: "80" }, as: withKey(key) });
    for (const conflict of [otherFile, otherFields]) {
      expect(conflict.status).toBe(422);
      await expectContract(conflict, upload);
      expect(await conflict.json()).toMatchObject({
        code: "unprocessable:idempotency",
        isValid: false,
        error:
          "This Idempotency-Key was already used for a different upload; nothing was stored. Use a new key for a new upload.",
      });
    }
    expect(await requestsNamed(fileName)).toBe(1);
  });

  it("twice at once creates one request", async () => {
    const fileName = uniqueFileName();
    const key = crypto.randomUUID();
    const answers = await Promise.all([
      uploadCsv(csv, { fileName, as: withKey(key) }),
      uploadCsv(csv, { fileName, as: withKey(key) }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    const [a, b] = (await Promise.all(answers.map((answer) => answer.json()))) as UploadAccepted[];
    expect(a.requestId).toBe(b.requestId);
    expect(answers.filter((answer) => answer.headers.get("idempotent-replayed") === "true")).toHaveLength(1);
    expect(await requestsNamed(fileName)).toBe(1);
  });

  it("is a new upload for another client using the same key", async () => {
    const fileName = uniqueFileName();
    const key = crypto.randomUUID();
    const mine = (await (await uploadCsv(csv, { fileName, as: withKey(key) })).json()) as UploadAccepted;
    const other = withKey(key, { cookie: "cic_owner=another-browser-000000001" });
    const theirs = (await (await uploadCsv(csv, { fileName, as: other })).json()) as UploadAccepted;
    expect(theirs.requestId).not.toBe(mine.requestId);
    expect(await requestsNamed(fileName)).toBe(2);
  });

  it("after a refused upload, the key is free for the corrected file", async () => {
    const fileName = uniqueFileName();
    const key = crypto.randomUUID();
    const refused = await uploadCsv(csv.replace("Shirt", ""), { fileName, as: withKey(key) });
    expect(refused.status).toBe(400);
    expect((await uploadCsv(csv, { fileName, as: withKey(key) })).status).toBe(202);
    expect(await requestsNamed(fileName)).toBe(1);
  });

  it("a key that is not 1 to 255 visible characters is refused", async () => {
    const fileName = uniqueFileName();
    const refused = await uploadCsv(csv, { fileName, as: withKey("x".repeat(256)) });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error).toBe("Idempotency-Key must be 1 to 255 visible ASCII characters.");
    expect(await requestsNamed(fileName)).toBe(0);
  });
});

describe("a cookieless client's keys", () => {
  it("are its own: another client claiming its address with X-Forwarded-For gets no replay of its 202", async () => {
    const fileName = uniqueFileName();
    const key = crypto.randomUUID();
    const victim = { [SOCKET_ADDRESS_HEADER]: "198.51.100.70" };
    const first = await uploadCsv(csv, { fileName, as: withKey(key, victim) });
    expect(first.status).toBe(202);
    const mine = (await first.json()) as UploadAccepted;

    const forger = { [SOCKET_ADDRESS_HEADER]: "198.51.100.71", "x-forwarded-for": "198.51.100.70" };
    const other = await uploadCsv(csv, { fileName, as: withKey(key, forger) });
    expect(other.status).toBe(202);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(((await other.json()) as UploadAccepted).requestId).not.toBe(mine.requestId);
    expect(await requestsNamed(fileName)).toBe(2);
  });
});
