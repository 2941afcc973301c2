import { BlockList, isIP } from "node:net";

/**
 * Addresses a webhook on the public internet never has: loopback, the
 * private ranges (RFC 1918, unique local IPv6), link-local (where cloud
 * metadata services answer), carrier-grade NAT, "this network",
 * multicast and broadcast. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`)
 * match their IPv4 range.
 */
const NON_PUBLIC = /*@__PURE__*/ (() => {
  const list = new BlockList();
  for (const [network, prefix] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.168.0.0", 16],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4],
  ] as const) {
    list.addSubnet(network, prefix, "ipv4");
  }
  for (const [network, prefix] of [
    ["::", 128],
    ["::1", 128],
    ["fc00::", 7],
    ["fe80::", 10],
    ["ff00::", 8],
  ] as const) {
    list.addSubnet(network, prefix, "ipv6");
  }
  return list;
})();

/** Whether `address` (an IP literal) is loopback, private, link-local or otherwise not a public unicast address. */
export function isNonPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 0) throw new Error(`${JSON.stringify(address)} is not an IP address`);
  return NON_PUBLIC.check(address, version === 4 ? "ipv4" : "ipv6");
}
