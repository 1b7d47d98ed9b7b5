// One check for every connection the Worker makes to a host a customer gave us (agent tools, knowledge-base
// scraping, AI provider base URLs, SMTP and IMAP servers): the host must be public. A Worker cannot resolve
// DNS before connecting, so hosts are judged by name and IP literal; Cloudflare's egress does not reach
// private networks, and the name rules cover local and intranet names. IP literals must be global unicast
// (ipaddr.js "unicast", and for IPv6 inside 2000::/3): that refuses every form that embeds an IPv4 address
// (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo). Numeric IPv4 spellings (decimal, octal, hex) are
// first turned into dotted quads by the WHATWG URL parser, the same way the fetch and connect calls read them.
import ipaddr from 'ipaddr.js';

const INTERNAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa'];
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
const MAX_HOST_LENGTH = 253;

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Private hosts an installation chose to reach anyway (its own Ollama server, the local mail server of the
 * tests): address ranges, single addresses and exact host names. Set per installation, never per organisation.
 */
export interface PrivateHostAllowance {
  ranges: [Address, number][];
  names: Set<string>;
}

const NO_ALLOWANCE: PrivateHostAllowance = { ranges: [], names: new Set() };

/**
 * Reads an installation variable such as "10.0.0.0/8, 192.168.1.20, ollama.internal, localhost". Entries that
 * are neither a range, an address nor a host name are ignored: they can only ever allow less.
 */
export function parsePrivateHostAllowance(value: string | null | undefined): PrivateHostAllowance {
  if (!value?.trim()) return NO_ALLOWANCE;
  const allowance: PrivateHostAllowance = { ranges: [], names: new Set() };
  for (const entry of value.split(/[\s,]+/)) {
    const text = entry
      .trim()
      .toLowerCase()
      .replace(/^\[|\]$/g, '');
    if (!text) continue;
    if (text.includes('/')) {
      try {
        const [address, bits] = ipaddr.parseCIDR(text);
        allowance.ranges.push([unwrap(address), unwrap(address).kind() === address.kind() ? bits : bits - 96]);
      } catch {}
    } else if (ipaddr.isValid(text)) {
      const address = unwrap(ipaddr.parse(text));
      allowance.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else {
      const name = canonicalHostName(text);
      if (name) allowance.names.add(name);
    }
  }
  return allowance;
}

/** An IPv4-mapped IPv6 address as the IPv4 address it is, so "::ffff:10.0.0.1" matches "10.0.0.0/8". */
function unwrap(address: Address): Address {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

function allowed(host: string, allowance: PrivateHostAllowance): boolean {
  if (allowance.names.has(host)) return true;
  if (!ipaddr.isValid(host)) return false;
  const address = unwrap(ipaddr.parse(host));
  return allowance.ranges.some(
    ([range, bits]) => range.kind() === address.kind() && (address as ipaddr.IPv4).match(range as ipaddr.IPv4, bits),
  );
}

/**
 * A host as connect() and fetch() will read it: lower case, no trailing dot, IPv4 in dotted quads (so
 * "2130706433", "0x7f.1" and "0177.0.0.1" all become 127.0.0.1), IPv6 without brackets. Null when the text
 * is not a host name or IP address (it has a port, a path, spaces, …).
 */
export function canonicalHostName(raw: string): string | null {
  const text = raw.trim();
  if (!text || text.length > MAX_HOST_LENGTH + 2 || /[\s/?#@\\%]/.test(text)) return null;
  const bracketed = text.includes(':') && !text.startsWith('[') ? `[${text}]` : text;
  if (!URL.canParse(`http://${bracketed}/`)) return null;
  const url = new URL(`http://${bracketed}/`);
  if (url.port || url.pathname !== '/' || url.username || url.password) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return host || null;
}

function addressReason(address: Address): string | null {
  const range = address.range();
  if (range !== 'unicast') return `it points to a ${range} address`;
  if (address.kind() === 'ipv6' && !(address as ipaddr.IPv6).match(GLOBAL_UNICAST_V6)) {
    return 'it points to an address outside the public IPv6 range';
  }
  return null;
}

function canonicalHostReason(host: string, allowance: PrivateHostAllowance): string | null {
  let reason: string | null = null;
  if (ipaddr.isValid(host)) reason = addressReason(ipaddr.parse(host));
  else if (host === 'localhost' || INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) {
    reason = 'it points to a local or internal host name';
  } else if (!host.includes('.')) reason = 'it is not a public host name';
  return reason && !allowed(host, allowance) ? reason : null;
}

/** Why this URL's host is not a public internet host (and not one the installation allows), or null. */
export function nonPublicHostReason(url: URL, allowance: PrivateHostAllowance = NO_ALLOWANCE): string | null {
  const host = canonicalHostName(url.hostname);
  return host ? canonicalHostReason(host, allowance) : 'it is not a valid host name';
}

/** The same check for a bare host name or address, such as an SMTP server's. */
export function nonPublicHostNameReason(raw: string, allowance: PrivateHostAllowance = NO_ALLOWANCE): string | null {
  const host = canonicalHostName(raw);
  return host ? canonicalHostReason(host, allowance) : 'it is not a valid host name';
}
