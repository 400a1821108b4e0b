import { describe, expect, it } from "vitest";
import { describeBlockedAddress, isBlockedAddress, isHostAllowed, judgeUrl, normalizeHost } from "./address-guard";

// Verdicts only: nothing in this file opens a socket.

describe("isBlockedAddress", () => {
  it.each([
    // IPv4 special-purpose ranges, with their edges
    ["0.0.0.0", "an unspecified address"],
    ["0.255.255.255", "an unspecified address"],
    ["10.0.0.0", "a private network address"],
    ["10.0.0.5", "a private network address"],
    ["10.255.255.255", "a private network address"],
    ["100.64.0.0", "a carrier-grade NAT address"],
    ["100.127.255.255", "a carrier-grade NAT address"],
    ["127.0.0.1", "a loopback address"],
    ["127.255.255.254", "a loopback address"],
    ["169.254.0.1", "a link-local address"],
    ["169.254.169.254", "the cloud metadata address"],
    ["172.16.0.0", "a private network address"],
    ["172.31.255.255", "a private network address"],
    ["192.0.0.8", "an IETF protocol address"],
    ["192.0.2.1", "a documentation address"],
    ["192.168.0.1", "a private network address"],
    ["192.168.255.255", "a private network address"],
    ["198.18.0.0", "a benchmarking address"],
    ["198.19.255.255", "a benchmarking address"],
    ["198.51.100.7", "a documentation address"],
    ["203.0.113.9", "a documentation address"],
    ["224.0.0.1", "a multicast address"],
    ["239.255.255.255", "a multicast address"],
    ["240.0.0.1", "a reserved address"],
    ["255.255.255.254", "a reserved address"],
    ["255.255.255.255", "a broadcast address"],
    // IPv6
    ["::", "an unspecified address"],
    ["::1", "a loopback address"],
    ["0:0:0:0:0:0:0:1", "a loopback address"],
    ["fc00::1", "a private network address"],
    ["fd12:3456:789a::1", "a private network address"],
    ["fd00:ec2::254", "the cloud metadata address"],
    ["fe80::1", "a link-local address"],
    ["fe80::1%eth0", "a link-local address"],
    ["febf:ffff::1", "a link-local address"],
    ["ff02::1", "a multicast address"],
    ["2001:db8::1", "a documentation address"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo tunnel address"],
    ["100::1", "a reserved address"],
    ["fec0::1", "a reserved address"],
    // IPv6 forms that carry an IPv4 address are judged by it
    ["::ffff:127.0.0.1", "a loopback address (IPv4 127.0.0.1 inside an IPv6 address)"],
    ["::ffff:7f00:1", "a loopback address (IPv4 127.0.0.1 inside an IPv6 address)"],
    ["::FFFF:A9FE:A9FE", "the cloud metadata address (IPv4 169.254.169.254 inside an IPv6 address)"],
    ["::ffff:10.1.2.3", "a private network address (IPv4 10.1.2.3 inside an IPv6 address)"],
    ["0:0:0:0:0:ffff:192.168.1.1", "a private network address (IPv4 192.168.1.1 inside an IPv6 address)"],
    ["::ffff:0:10.0.0.1", "a private network address (IPv4 10.0.0.1 inside an IPv6 address)"],
    ["::127.0.0.1", "a loopback address (IPv4 127.0.0.1 inside an IPv6 address)"],
    ["::a00:1", "a private network address (IPv4 10.0.0.1 inside an IPv6 address)"],
    ["64:ff9b::10.0.0.1", "a private network address (IPv4 10.0.0.1 inside an IPv6 address)"],
    ["64:ff9b::a9fe:a9fe", "the cloud metadata address (IPv4 169.254.169.254 inside an IPv6 address)"],
    ["2002:7f00:1::", "a loopback address (IPv4 127.0.0.1 inside an IPv6 address)"],
    ["2002:c0a8:101::1", "a private network address (IPv4 192.168.1.1 inside an IPv6 address)"],
    // not addresses at all
    ["example.com", "not an IP address"],
    ["", "not an IP address"],
    ["1.2.3", "not an IP address"],
  ])("blocks %s as %s", (ip, reason) => {
    expect(describeBlockedAddress(ip)).toBe(reason);
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each([
    "1.1.1.1",
    "8.8.8.8",
    "9.255.255.255",
    "11.0.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "126.255.255.255",
    "128.0.0.0",
    "169.253.255.255",
    "169.255.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.255",
    "192.0.3.0",
    "192.167.255.255",
    "192.169.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "::ffff:808:808",
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",
  ])("allows the public address %s", (ip) => {
    expect(describeBlockedAddress(ip)).toBeNull();
    expect(isBlockedAddress(ip)).toBe(false);
  });
});

describe("isHostAllowed", () => {
  const allowHosts = ["127.0.0.1", "localhost", "::1", "images.internal"];

  it("matches names and IPs exactly, whatever their case or brackets", () => {
    expect(isHostAllowed("127.0.0.1", allowHosts)).toBe(true);
    expect(isHostAllowed("LOCALHOST", allowHosts)).toBe(true);
    expect(isHostAllowed("localhost.", allowHosts)).toBe(true);
    expect(isHostAllowed("[::1]", allowHosts)).toBe(true);
    expect(isHostAllowed("::1", allowHosts)).toBe(true);
    expect(isHostAllowed("0:0:0:0:0:0:0:1", allowHosts)).toBe(true);
    expect(isHostAllowed("images.internal", allowHosts)).toBe(true);
    expect(isHostAllowed("[::1]", ["[::1]"])).toBe(true);
  });

  it("does not match neighbours, sub-domains or other spellings of other addresses", () => {
    expect(isHostAllowed("127.0.0.2", allowHosts)).toBe(false);
    expect(isHostAllowed("::ffff:127.0.0.1", allowHosts)).toBe(false);
    expect(isHostAllowed("evil.localhost", allowHosts)).toBe(false);
    expect(isHostAllowed("localhost.evil.com", allowHosts)).toBe(false);
    expect(isHostAllowed("", allowHosts)).toBe(false);
    expect(isHostAllowed("127.0.0.1", [])).toBe(false);
  });

  it("defaults to the configured allowlist (FETCH_ALLOW_HOSTS in the test settings)", () => {
    expect(isHostAllowed("127.0.0.1")).toBe(true);
    expect(isHostAllowed("10.0.0.1")).toBe(false);
  });

  it("normalises hosts to one spelling", () => {
    expect(normalizeHost("[::FFFF:127.0.0.1]")).toBe("0:0:0:0:0:ffff:7f00:1");
    expect(normalizeHost(" Example.COM. ")).toBe("example.com");
  });
});

describe("judgeUrl", () => {
  const noAllowlist = { allowHosts: [] };

  it.each([
    ["http://127.0.0.1/", "127.0.0.1", "a loopback address"],
    ["http://2130706433/", "127.0.0.1", "a loopback address"],
    ["http://0177.0.0.1/", "127.0.0.1", "a loopback address"],
    ["http://0x7f.1/", "127.0.0.1", "a loopback address"],
    ["http://0x7f000001/", "127.0.0.1", "a loopback address"],
    ["http://127.1/", "127.0.0.1", "a loopback address"],
    ["http://127.0.0.1./", "127.0.0.1", "a loopback address"],
    ["http://%31%32%37.0.0.1/", "127.0.0.1", "a loopback address"],
    ["http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "127.0.0.1", "a loopback address"],
    ["http://user:secret@127.0.0.1:8080/x", "127.0.0.1", "a loopback address"],
    ["http://0/", "0.0.0.0", "an unspecified address"],
    ["http://10.0.0.5/", "10.0.0.5", "a private network address"],
    ["http://012.0.0.5/", "10.0.0.5", "a private network address"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254", "the cloud metadata address"],
    ["http://2852039166/", "169.254.169.254", "the cloud metadata address"],
    ["http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254", "the cloud metadata address"],
    ["https://100.100.100.200/", "100.100.100.200", "a carrier-grade NAT address"],
    ["http://[::1]/", "::1", "a loopback address"],
    ["http://[0:0:0:0:0:0:0:1]:3000/", "::1", "a loopback address"],
    ["http://[::]/", "::", "an unspecified address"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1", "a loopback address (IPv4 127.0.0.1 inside an IPv6 address)"],
    ["http://[::ffff:7f00:1]/", "::ffff:7f00:1", "a loopback address (IPv4 127.0.0.1 inside an IPv6 address)"],
    [
      "http://[::ffff:169.254.169.254]/",
      "::ffff:a9fe:a9fe",
      "the cloud metadata address (IPv4 169.254.169.254 inside an IPv6 address)",
    ],
    [
      "http://[64:ff9b::10.0.0.1]/",
      "64:ff9b::a00:1",
      "a private network address (IPv4 10.0.0.1 inside an IPv6 address)",
    ],
    ["http://[2002:a00:1::]/", "2002:a00:1::", "a private network address (IPv4 10.0.0.1 inside an IPv6 address)"],
    ["http://[fe80::1]/", "fe80::1", "a link-local address"],
    ["http://[fd00::1]/", "fd00::1", "a private network address"],
  ])("blocks %s before any connection", (url, address, reason) => {
    expect(judgeUrl(url, noAllowlist)).toEqual({
      allowed: false,
      kind: "blocked",
      reason: `blocked: ${address} is ${reason} (FETCH_ALLOW_HOSTS=${address.includes(":") ? `[${address}]` : address} would allow it)`,
    });
  });

  it("gives the seller a plain reason", () => {
    expect(judgeUrl("http://10.0.0.5/photo.jpg", noAllowlist)).toMatchObject({
      reason: "blocked: 10.0.0.5 is a private network address (FETCH_ALLOW_HOSTS=10.0.0.5 would allow it)",
    });
  });

  it("allows public IP literals and says which address to connect to", () => {
    const verdict = judgeUrl("https://8.8.8.8/a.png", noAllowlist);
    expect(verdict).toMatchObject({ allowed: true, hostname: "8.8.8.8", address: "8.8.8.8" });
    expect(judgeUrl("http://[2606:4700:4700::1111]:8080/", noAllowlist)).toMatchObject({
      allowed: true,
      hostname: "2606:4700:4700::1111",
      address: "2606:4700:4700::1111",
    });
  });

  it("leaves host names to the guarded DNS lookup", () => {
    expect(judgeUrl("https://cdn.example.com/a.jpg", noAllowlist)).toMatchObject({
      allowed: true,
      hostname: "cdn.example.com",
      address: null,
    });
    // "localhost" is a name; its addresses are judged when it is resolved.
    expect(judgeUrl("http://localhost/", noAllowlist)).toMatchObject({ allowed: true, address: null });
  });

  it("lets allowlisted addresses through", () => {
    expect(judgeUrl("http://127.0.0.1:3000/", { allowHosts: ["127.0.0.1"] })).toMatchObject({ allowed: true });
    expect(judgeUrl("http://0x7f.1/", { allowHosts: ["127.0.0.1"] })).toMatchObject({ allowed: true });
    expect(judgeUrl("http://[::1]:3000/", { allowHosts: ["::1"] })).toMatchObject({ allowed: true, hostname: "::1" });
    expect(judgeUrl("http://[::1]:3000/", { allowHosts: ["[::1]"] })).toMatchObject({ allowed: true });
    // The test settings allowlist loopback.
    expect(judgeUrl("http://127.0.0.1/")).toMatchObject({ allowed: true });
    expect(judgeUrl("http://127.0.0.2/")).toMatchObject({ allowed: false, kind: "blocked" });
  });

  it.each([
    ["ftp://example.com/a.jpg", "ftp:"],
    ["file:///etc/passwd", "file:"],
    ["gopher://127.0.0.1:6379/_INFO", "gopher:"],
    ["data:image/png;base64,AAAA", "data:"],
    ["javascript:alert(1)", "javascript:"],
  ])("refuses the scheme of %s", (url, scheme) => {
    expect(judgeUrl(url, noAllowlist)).toEqual({
      allowed: false,
      kind: "unsupported_scheme",
      reason: `${scheme} addresses are not supported; only http and https`,
    });
  });

  it.each(["not a url", "/relative/path.jpg", "http://", "http://[::1/", "http://exa mple.com/"])(
    "refuses the invalid URL %j",
    (url) => {
      expect(judgeUrl(url, noAllowlist)).toMatchObject({ allowed: false, kind: "invalid_url" });
    },
  );
});
