// Outbound-request safety for SERVER_SIDE agent tools: https only, and never to private, loopback,
// link-local, CGNAT, metadata or unique-local addresses (checked on the URL and on every redirect hop).
// Hostnames are judged by name (Workers cannot resolve DNS before fetching); Cloudflare's egress does not
// reach private networks, so the name checks cover the local and intranet cases.

function ipv4Octets(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

function blockedIpv4([a, b, c]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) || // CGNAT (and cloud metadata like 100.100.100.200)
    (a === 169 && b === 254) || // link-local, incl. 169.254.169.254 metadata
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && c === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a! >= 224 // multicast, reserved, broadcast
  );
}

/** The eight 16-bit groups of an IPv6 literal (without brackets), or null. */
function ipv6Groups(host: string): number[] | null {
  let text = host;
  const dotted = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = ipv4Octets(dotted[1]!);
    if (!v4) return null;
    text = `${text.slice(0, -dotted[1]!.length)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) return null;
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array(Math.max(0, fill)).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

function blockedIpv6(groups: number[]): boolean {
  const [g0] = groups as [number];
  const allZeroUntil = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (allZeroUntil(7) && (groups[7] === 0 || groups[7] === 1)) return true; // :: and ::1
  if (allZeroUntil(5) && groups[5] === 0xffff) {
    // IPv4-mapped: judge the embedded IPv4 address.
    return blockedIpv4([groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff]);
  }
  return (
    (g0 & 0xfe00) === 0xfc00 || // unique-local fc00::/7 (incl. fd00:ec2::254 metadata)
    (g0 & 0xffc0) === 0xfe80 || // link-local
    (g0 & 0xffc0) === 0xfec0 || // site-local (deprecated)
    (g0 & 0xff00) === 0xff00 || // multicast
    (g0 === 0x64 && groups[1] === 0xff9b) // NAT64 onto IPv4 space
  );
}

/** Why an agent tool may not call this URL, or null when it may. */
export function unsafeUrlReason(raw: string): string | null {
  if (!URL.canParse(raw)) return 'URL is not valid';
  const url = new URL(raw);
  if (url.protocol !== 'https:') return 'URL must use https';
  if (url.username || url.password) return 'URL must not contain credentials';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[')) {
    const groups = ipv6Groups(host.slice(1, -1));
    return !groups || blockedIpv6(groups) ? 'URL points to a private or reserved IPv6 address' : null;
  }
  const v4 = ipv4Octets(host);
  if (v4) return blockedIpv4(v4) ? 'URL points to a private or reserved IP address' : null;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'URL points to localhost';
  if (host.endsWith('.local') || host.endsWith('.internal') || host.endsWith('.home.arpa')) {
    return 'URL points to an internal host name';
  }
  if (!host.includes('.')) return 'URL must use a public host name';
  return null;
}
