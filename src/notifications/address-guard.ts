import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach unless the operator allows it (PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES):
 * loopback, private (RFC 1918, RFC 4193), shared (RFC 6598), link-local (cloud metadata lives there),
 * unspecified, multicast, reserved and documentation ranges, and the IPv6 forms that embed IPv4
 * (mapped ::ffff:0:0/96, NAT64 64:ff9b::/96) — the server-side request forgery guard.
 */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether an IP address (v4 or v6 text) is outside the public internet. An IPv4-mapped IPv6 address is
 * judged by its IPv4 part; anything that is not an IP address counts as non-public.
 *
 * @example isNonPublicAddress('169.254.169.254') // true
 */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (mapped) {
    const v4 = mapped.length === 2 ? mapped[1]! : hexPairToIpv4(mapped[1]!, mapped[2]!);
    return NON_PUBLIC.check(v4, 'ipv4');
  }
  return NON_PUBLIC.check(address, 'ipv6');
}

function hexPairToIpv4(high: string, low: string): string {
  const a = parseInt(high, 16);
  const b = parseInt(low, 16);
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}
