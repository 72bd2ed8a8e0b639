/**
 * The guard against server-side request forgery: a webhook URL must not make Roster call into its own
 * network. Unless the operator allows it (WEBHOOK_ALLOW_PRIVATE), every address a URL names or
 * resolves to must be a public unicast address. The check runs when a URL is registered and again at
 * each delivery, inside the connection's own DNS lookup, so the address connected to is the address
 * checked (a name re-pointed at 127.0.0.1 after registration, or between a check and a connect, is
 * refused).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const FORBIDDEN = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata at 169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  FORBIDDEN.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  FORBIDDEN.addSubnet(net, bits, 'ipv6');
}

/** The IPv4 address an IPv6 address carries in its low 32 bits, for prefixes that route to it. */
function embeddedIpv4(v6: string): string | null {
  const lower = v6.toLowerCase();
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach an IPv4 host; check that host.
  const nat64 = /^64:ff9b::(?:([0-9a-f]{1,4}):([0-9a-f]{1,4})|(\d+\.\d+\.\d+\.\d+))$/.exec(lower);
  if (nat64) {
    if (nat64[3]) return nat64[3];
    const hi = Number.parseInt(nat64[1] as string, 16);
    const lo = Number.parseInt(nat64[2] as string, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/.exec(lower);
  if (sixToFour) {
    const hi = Number.parseInt(sixToFour[1] as string, 16);
    const lo = Number.parseInt(sixToFour[2] as string, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

/** Loopback, link-local, private, unspecified, multicast or reserved: not somewhere a webhook may go. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return FORBIDDEN.check(address, 'ipv4');
  if (family === 6) {
    // IPv4-mapped addresses (::ffff:a.b.c.d) are checked against the IPv4 rules by BlockList itself.
    if (FORBIDDEN.check(address, 'ipv6')) return true;
    const v4 = embeddedIpv4(address);
    return v4 !== null && FORBIDDEN.check(v4, 'ipv4');
  }
  return true; // not an address at all
}

export class ForbiddenAddressError extends Error {
  constructor(readonly address: string) {
    super(`refused: the URL resolves to ${address}, a loopback, private or link-local address`);
    this.name = 'ForbiddenAddressError';
  }
}

/** The host of a parsed URL as an address when it is a literal one (`[::1]` → `::1`), else null. */
export function literalAddress(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) ? host : null;
}

/** Every address `hostname` resolves to (A and AAAA). */
export function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    );
  });
}

/**
 * A `lookup` for http.request that resolves the name, refuses it when any of its addresses is
 * forbidden, and hands the socket exactly the address it checked.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true, family: options.family }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => isForbiddenAddress(a.address));
      if (bad) return callback(new ForbiddenAddressError(bad.address), '', 0);
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      return callback(null, first.address, first.family);
    });
  };
}
