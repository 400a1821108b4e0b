import { describe, expect, it } from "vitest";
import { publicMessage } from "./health";

describe("publicMessage", () => {
  it("leaves out absolute paths a cause still carries", () => {
    expect(publicMessage(new Error("ECONNREFUSED (connect ECONNREFUSED /srv/app/.data/pglite.sock)"))).toBe(
      "ECONNREFUSED (connect ECONNREFUSED …)",
    );
    expect(publicMessage(new Error("ENOTDIR: not a directory, open '/srv/app/.data/pglite.lock'"))).toBe(
      "ENOTDIR: not a directory, open '…'",
    );
    expect(publicMessage(new Error("lock file=/srv/a.lock, owner gone"))).toBe("lock file=…, owner gone");
  });

  it("keeps addresses, URLs and words with slashes", () => {
    for (const message of [
      "PostgreSQL (DATABASE_URL) cannot be reached: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:2)",
      "S3 endpoint http://127.0.0.1:9000/shop-images cannot be reached",
      "only 12 MB free on the disk of the storage folder (STORAGE_DIR); at least 1 GB is needed (MIN_FREE_DISK_BYTES)",
      "not an image/jpeg and/or image/png",
    ]) {
      expect(publicMessage(new Error(message))).toBe(message);
    }
  });
});
