import { lookup as dnsLookup } from 'node:dns/promises';
import { lookup as dnsLookupCallback, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors.js';

/**
 * Requests the control plane makes to URLs users give it (notification webhooks, repository
 * fetches) must not reach the control plane's own host or network: loopback, "this" network,
 * private ranges (RFC 1918, CGNAT, IPv6 ULA), link-local (cloud metadata at 169.254.169.254) and
 * multicast are refused after DNS resolution, unless an admin allows the host or range with
 * DEVFLOW_ALLOWED_INTERNAL_HOSTS.
 */
const INTERNAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) INTERNAL.addSubnet(net, bits, 'ipv4');
// 64:ff9b::/96: NAT64 (an IPv4 address behind a translator). IPv4-mapped ::ffff:a.b.c.d is unmapped first.
for (const [net, bits] of [['::', 128], ['::1', 128], ['64:ff9b::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) INTERNAL.addSubnet(net, bits, 'ipv6');

/** `::ffff:127.0.0.1` is 127.0.0.1. */
const unmapped = (address: string): string => {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted?.[1]) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex?.[1] || !hex[2]) return address;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
};

export class InternalAddressPolicy {
  private readonly allowedNames = new Set<string>();
  private readonly allowedRanges = new BlockList();

  /** `allowed`: host names, addresses and CIDR subnets (DEVFLOW_ALLOWED_INTERNAL_HOSTS). */
  constructor(allowed: readonly string[]) {
    for (const entry of allowed) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address);
      if (family === 0) this.allowedNames.add(entry.toLowerCase());
      else if (bits === undefined) this.allowedRanges.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
      else this.allowedRanges.addSubnet(address, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Why `address` (reached through `host`) is refused, or null. */
  refusal(host: string, address: string): string | null {
    const ip = unmapped(address);
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (!INTERNAL.check(ip, family)) return null;
    if (this.allowedNames.has(host.toLowerCase().replace(/^\[|\]$/g, '')) || this.allowedRanges.check(ip, family)) return null;
    return `${host === ip ? ip : `${host} resolves to ${ip}`}, a loopback, private or link-local address; an admin can allow it with DEVFLOW_ALLOWED_INTERNAL_HOSTS`;
  }

  /** Resolves `host` (every address) and throws VALIDATION_FAILED naming `what` when one is refused. */
  async assertHost(host: string, what: string, field?: string): Promise<void> {
    const bare = host.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(bare) ? [bare] : (await dnsLookup(bare, { all: true, verbatim: true })).map((a) => a.address);
    } catch (err) {
      throw new AppError('VALIDATION_FAILED', `${what}: host ${bare} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'DNS error'})`, field ? { field } : undefined, { cause: err });
    }
    for (const address of addresses) {
      const refused = this.refusal(bare, address);
      if (refused) throw new AppError('VALIDATION_FAILED', `${what}: ${refused}`, field ? { field } : undefined);
    }
  }

  /**
   * A `lookup` for node:http(s) that refuses internal addresses at connect time, so a name that
   * resolved to a public address when it was checked cannot re-resolve to an internal one (DNS rebinding).
   */
  readonly lookup = (hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    dnsLookupCallback(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, []);
      for (const a of addresses) {
        const refused = this.refusal(hostname, a.address);
        if (refused) return callback(Object.assign(new Error(refused), { code: 'EINTERNALADDRESS' }), []);
      }
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      const first = addresses[0];
      return first ? callback(null, first.address, first.family) : callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    });
  };
}
