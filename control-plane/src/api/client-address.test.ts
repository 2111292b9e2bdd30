import { describe, expect, it } from 'vitest';
import { ClientAddressResolver } from './client-address.js';

describe('ClientAddressResolver', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    const r = new ClientAddressResolver([]);
    expect(r.resolve('10.0.0.5', '203.0.113.9')).toBe('10.0.0.5');
    expect(r.trustsAny).toBe(false);
  });

  it('takes the nearest untrusted hop behind trusted proxies (addresses and subnets, IPv4-mapped peers)', () => {
    const r = new ClientAddressResolver(['10.0.0.5', '192.168.1.0/24', 'fd00::/8']);
    expect(r.resolve('::ffff:10.0.0.5', '203.0.113.9')).toBe('203.0.113.9');
    // A client that sends its own X-Forwarded-For cannot choose its address: only the hop the trusted proxy saw counts.
    expect(r.resolve('10.0.0.5', '1.2.3.4, 203.0.113.9')).toBe('203.0.113.9');
    // Two trusted proxies in a row.
    expect(r.resolve('10.0.0.5', '203.0.113.9, 192.168.1.20')).toBe('203.0.113.9');
    expect(r.resolve('fd00::1', '2001:db8::7')).toBe('2001:db8::7');
  });

  it('falls back to the peer when the header is missing or garbage, and never trusts an unlisted peer', () => {
    const r = new ClientAddressResolver(['10.0.0.5']);
    expect(r.resolve('10.0.0.5', undefined)).toBe('10.0.0.5');
    expect(r.resolve('10.0.0.5', 'not-an-ip')).toBe('10.0.0.5');
    expect(r.resolve('10.0.0.6', '203.0.113.9')).toBe('10.0.0.6');
    expect(r.resolve(undefined, '203.0.113.9')).toBeUndefined();
  });
});
