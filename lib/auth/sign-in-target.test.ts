import { describe, expect, it } from "vitest";
import { signInTarget } from "./sign-in-target";

describe("where signing in leads", () => {
  it("keeps a path of this site with its query and fragment", () => {
    expect(signInTarget("/requests/abc?page=2#images")).toBe("/requests/abc?page=2#images");
    expect(signInTarget(undefined)).toBe("/");
    expect(signInTarget(["/keys", "/other"])).toBe("/keys");
  });

  it("never leads to another site, however the value is spelled", () => {
    for (const value of [
      "//evil.example/x",
      "/\\evil.example/x",
      "/\t/evil.example/x",
      "/\n/evil.example/x",
      "/\r/evil.example/x",
      "\t//evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "/%2F/evil.example",
    ]) {
      const target = signInTarget(value);
      expect(new URL(target, "http://ours.example").origin, value).toBe("http://ours.example");
    }
  });
});
