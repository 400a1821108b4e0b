import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { config } from "@/lib/config";

/**
 * The SSRF guard's verdicts, decided without DNS or network.
 *
 * An address is blocked when it is not a public unicast address: loopback, private, link-local
 * (cloud metadata), carrier-grade NAT, multicast, reserved and documentation ranges. IPv6 forms
 * that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that IPv4 address,
 * because that is where the packets end up.
 */

type Range = { label: string; v4?: string[]; v6?: string[] };

// First match wins, so narrow ranges with a more telling label come before the wide ones. The labels
// are the seller's words; ipaddr.js's own range names lump documentation, benchmarking and IETF
// addresses together as "reserved", so the table names the ranges and ipaddr.js matches them.
const ranges: Range[] = [
  { label: "the cloud metadata address", v4: ["169.254.169.254/32"], v6: ["fd00:ec2::254/128"] },
  { label: "an unspecified address", v4: ["0.0.0.0/8"], v6: ["::/128"] },
  { label: "a loopback address", v4: ["127.0.0.0/8"], v6: ["::1/128"] },
  { label: "a private network address", v4: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], v6: ["fc00::/7"] },
  { label: "a carrier-grade NAT address", v4: ["100.64.0.0/10"] },
  { label: "a link-local address", v4: ["169.254.0.0/16"], v6: ["fe80::/10"] },
  { label: "an IETF protocol address", v4: ["192.0.0.0/24"] },
  {
    label: "a documentation address",
    v4: ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"],
    v6: ["2001:db8::/32", "3fff::/20"],
  },
  { label: "a benchmarking address", v4: ["198.18.0.0/15"], v6: ["2001:2::/48"] },
  { label: "a multicast address", v4: ["224.0.0.0/4"], v6: ["ff00::/8"] },
  { label: "a broadcast address", v4: ["255.255.255.255/32"] },
  { label: "a reserved address", v4: ["240.0.0.0/4"], v6: ["2001:10::/28", "2001:20::/28"] },
  // Teredo hides the client's IPv4 address XOR-ed; nothing legitimate serves images from it.
  { label: "a Teredo tunnel address", v6: ["2001::/32"] },
];

const blocked: Parameters<typeof ipaddr.subnetMatch>[1] = Object.fromEntries(
  ranges.map(({ label, v4 = [], v6 = [] }) => [label, [...v4, ...v6].map((cidr) => ipaddr.parseCIDR(cidr))]),
);

/** IPv6 prefixes whose last 32 bits are the IPv4 address the packets are delivered to. */
const IPV4_IN_LAST_32_BITS = [
  "::ffff:0:0/96", // mapped
  "::ffff:0:0:0/96", // translated
  "64:ff9b::/96", // NAT64 well-known prefix
  "::/96", // compatible (deprecated); :: and ::1 are judged as themselves
].map((cidr) => ipaddr.IPv6.parseCIDR(cidr));
const SIX_TO_FOUR = ipaddr.IPv6.parseCIDR("2002::/16");

/**
 * Why an address must not be connected to, as a phrase ("a private network address"), or null
 * when it is a public address. Anything that is not an IP address is refused.
 */
export function describeBlockedAddress(ip: string): string | null {
  const address = stripBrackets(ip);
  // Node's own rule decides what is an address (ipaddr.js also reads `1.2.3` or `0x7f.1` as IPv4):
  // the socket layer connects to exactly these spellings.
  const family = isIP(address.replace(/%.*$/, ""));
  if (family === 0) return "not an IP address";
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6") {
    const embedded = embeddedIPv4(parsed as ipaddr.IPv6);
    if (embedded) {
      const reason = describeIPv4(embedded);
      return reason && `${reason} (IPv4 ${embedded.toString()} inside an IPv6 address)`;
    }
  }
  const label = ipaddr.subnetMatch(parsed, blocked, "public");
  if (label !== "public") return label;
  // Only 2000::/3 is allocated for global unicast; everything else is reserved or special-purpose.
  if (parsed.kind() === "ipv6" && ((parsed as ipaddr.IPv6).parts[0] & 0xe000) !== 0x2000) return "a reserved address";
  return null;
}

export function isBlockedAddress(ip: string): boolean {
  return describeBlockedAddress(ip) !== null;
}

function describeIPv4(address: ipaddr.IPv4): string | null {
  const label = ipaddr.subnetMatch(address, blocked, "public");
  return label === "public" ? null : label;
}

/** The IPv4 address an IPv6 address stands for, in the forms that route to one. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  const unspecifiedOrLoopback = bytes.slice(0, 15).every((byte) => byte === 0) && bytes[15] <= 1;
  if (unspecifiedOrLoopback) return null;
  if (IPV4_IN_LAST_32_BITS.some((prefix) => address.match(prefix))) {
    return ipaddr.fromByteArray(bytes.slice(12)) as ipaddr.IPv4;
  }
  // 2002:aabb:ccdd::/48 (6to4)
  if (address.match(SIX_TO_FOUR)) return ipaddr.fromByteArray(bytes.slice(2, 6)) as ipaddr.IPv4;
  return null;
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** A host name or IP in one spelling: lower case, no brackets, no trailing dot, IPv6 fully expanded. */
export function normalizeHost(host: string): string {
  const bare = stripBrackets(host.trim().toLowerCase()).replace(/\.$/, "");
  const withoutZone = bare.replace(/%.*$/, "");
  if (isIP(withoutZone) === 6) return ipaddr.IPv6.parse(withoutZone).toNormalizedString();
  return bare;
}

/** True when the host (a name or an IP, IPv6 with or without brackets) is on the allowlist. */
export function isHostAllowed(host: string, allowHosts: readonly string[] = config.fetch.allowHosts): boolean {
  const wanted = normalizeHost(host);
  return wanted !== "" && allowHosts.some((allowed) => normalizeHost(allowed) === wanted);
}

export type UrlVerdict =
  | {
      allowed: true;
      url: URL;
      /** Host name or IP without brackets, as the socket layer wants it. */
      hostname: string;
      /** The IP address when the host is an IP literal (already judged); null for names, judged at DNS time. */
      address: string | null;
    }
  | { allowed: false; reason: string; kind: "invalid_url" | "unsupported_scheme" | "blocked" };

/**
 * Judges a URL before any connection: scheme, and the address when the host is an IP literal.
 * WHATWG URL parsing already turns decimal, octal, hex and short IPv4 spellings, percent-encoded and
 * full-width digits, and bracketed IPv6 into canonical addresses, so those cannot slip past.
 * Host names pass here; their addresses are judged by the guarded DNS lookup.
 */
export function judgeUrl(
  input: string | URL,
  options: { allowHosts?: readonly string[]; allowPorts?: readonly number[] } = {},
): UrlVerdict {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { allowed: false, kind: "invalid_url", reason: `${truncate(String(input))} is not a valid web address` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      allowed: false,
      kind: "unsupported_scheme",
      reason: `${url.protocol} addresses are not supported; only http and https`,
    };
  }
  const hostname = stripBrackets(url.hostname);
  if (!hostname) return { allowed: false, kind: "invalid_url", reason: `${truncate(url.href)} has no host name` };
  const trusted = isHostAllowed(hostname, options.allowHosts);
  const literal = isIP(hostname) !== 0;
  if (literal && !trusted) {
    const reason = describeBlockedAddress(hostname);
    if (reason) return { allowed: false, kind: "blocked", reason: blockedReason(`${hostname} is ${reason}`, hostname) };
  }
  // Hosts the operator names are trusted with any port; everyone else's URLs reach web ports only,
  // so an upload cannot probe mail, database or admin ports of what the service can reach.
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  if (!trusted && options.allowPorts && !options.allowPorts.includes(port)) {
    return {
      allowed: false,
      kind: "blocked",
      reason: `blocked: port ${port} is not open to outbound requests (allowed: ${options.allowPorts.join(", ")}; FETCH_ALLOW_PORTS sets them)`,
    };
  }
  if (!literal) return { allowed: true, url, hostname, address: null };
  return { allowed: true, url, hostname, address: hostname };
}

/** A refusal that names the setting which would lift it, for the developer trying local images. */
export function blockedReason(what: string, host: string): string {
  return `blocked: ${what} (FETCH_ALLOW_HOSTS=${host.includes(":") ? `[${host}]` : host} would allow it)`;
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
