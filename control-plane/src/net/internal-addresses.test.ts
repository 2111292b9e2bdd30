import { describe, expect, it } from 'vitest';
import { RepositoryUrlPolicy } from '../repositories/url-policy.js';
import { InternalAddressPolicy } from './internal-addresses.js';

describe('InternalAddressPolicy', () => {
  const none = new InternalAddressPolicy([]);

  it.each([
    '127.0.0.1', '127.1.2.3', '0.0.0.0', '10.0.0.5', '172.16.0.1', '172.31.255.255', '192.168.1.10', '169.254.169.254', '100.64.0.1',
    '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a00:5',
  ])('refuses %s', (address) => {
    expect(none.refusal(address, address)).toMatch(/a loopback, private or link-local address; an admin can allow it with DEVFLOW_ALLOWED_INTERNAL_HOSTS$/);
  });

  it.each(['93.184.216.34', '140.82.112.3', '172.32.0.1', '2606:4700::1111'])('lets %s through', (address) => {
    expect(none.refusal(address, address)).toBeNull();
  });

  it('an admin allows hosts by name, address or subnet', () => {
    const some = new InternalAddressPolicy(['git.internal', '10.1.0.0/16', '192.168.1.10']);
    expect(some.refusal('git.internal', '10.9.9.9')).toBeNull();
    expect(some.refusal('other.internal', '10.1.2.3')).toBeNull();
    expect(some.refusal('x', '192.168.1.10')).toBeNull();
    expect(some.refusal('x', '192.168.1.11')).toMatch(/x resolves to 192.168.1.11/);
    expect(some.refusal('x', '127.0.0.1')).not.toBeNull();
  });

  it('assertHost resolves names first (localhost is loopback) and names the field', async () => {
    await expect(none.assertHost('localhost', 'channel url', 'channel')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^channel url: localhost resolves to (127\.0\.0\.1|::1)/), details: { field: 'channel' } });
    await expect(none.assertHost('[::1]', 'channel url')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(none.assertHost('no-such-host.invalid', 'channel url')).rejects.toMatchObject({ message: expect.stringMatching(/does not resolve/) });
  });
});

describe('RepositoryUrlPolicy', () => {
  const policy = (allowLocal: boolean) => new RepositoryUrlPolicy(new InternalAddressPolicy([]), allowLocal);

  it('local paths and file:// only when an admin allows local repositories', async () => {
    for (const url of ['/srv/git/app.git', 'file:///srv/git/app.git']) {
      await expect(policy(false).assert(url)).rejects.toMatchObject({ message: expect.stringMatching(/DEVFLOW_ALLOW_LOCAL_REPOSITORIES=on$/) });
      await expect(policy(true).assert(url)).resolves.toBeUndefined();
    }
  });

  it.each(['https://127.0.0.1/x.git', 'ssh://git@10.0.0.5/x.git', 'git@192.168.1.2:team/x.git', 'git://[::1]/x.git', 'http://169.254.169.254/latest'])('refuses %s', async (url) => {
    await expect(policy(true).assert(url)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^repositoryUrl: .*loopback, private or link-local/) });
  });
});
