import { BlockList, isIP } from 'node:net';

/**
 * The address a request really came from. Behind a load balancer every request arrives from the
 * balancer, so per-client limits (login attempts) would lump all users together — or, worse, let
 * anyone lock an e-mail address out for everybody. X-Forwarded-For is believed only when the
 * connection comes from an address the operator listed in DEVFLOW_TRUSTED_PROXIES, and then only
 * up to the first hop that is not itself trusted (anything left of it may be forged).
 */
export class ClientAddressResolver {
  private readonly trusted = new BlockList();
  readonly trustsAny: boolean;

  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(address, family);
      else this.trusted.addSubnet(address, Number(bits), family);
    }
    this.trustsAny = trustedProxies.length > 0;
  }

  /** `peer`: the socket's remote address; `forwardedFor`: the X-Forwarded-For header, if any. */
  resolve(peer: string | undefined, forwardedFor: string | undefined): string | undefined {
    if (peer === undefined || !this.isTrusted(peer) || !forwardedFor) return peer;
    const hops = forwardedFor.split(',').map((h) => h.trim()).filter((h) => h.length > 0);
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = unmapped(hops[i]!);
      if (isIP(hop) === 0) break;
      client = hop;
      if (!this.isTrusted(hop)) break;
    }
    return client;
  }

  isTrusted(address: string): boolean {
    const plain = unmapped(address);
    const family = isIP(plain);
    return family !== 0 && this.trusted.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is 10.0.0.1. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
