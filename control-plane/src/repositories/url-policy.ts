import { AppError } from '../errors.js';
import type { InternalAddressPolicy } from '../net/internal-addresses.js';

/**
 * Which repository URLs the control plane itself may fetch (its mirror, at save and before every
 * fetch): a path or file:// URL on its own host only when an admin allows local repositories
 * (DEVFLOW_ALLOW_LOCAL_REPOSITORIES); a network URL whose host resolves to a loopback, private or
 * link-local address only when DEVFLOW_ALLOWED_INTERNAL_HOSTS allows it.
 */
export class RepositoryUrlPolicy {
  constructor(
    private readonly outbound: Pick<InternalAddressPolicy, 'assertHost'>,
    private readonly allowLocal: boolean,
  ) {}

  async assert(url: string): Promise<void> {
    if (url.startsWith('/') || /^file:/i.test(url)) {
      if (this.allowLocal) return;
      throw new AppError(
        'VALIDATION_FAILED',
        "repositoryUrl: a path on the control plane's host is refused; an admin can allow local repositories with DEVFLOW_ALLOW_LOCAL_REPOSITORIES=on",
        { field: 'repositoryUrl' },
      );
    }
    await this.outbound.assertHost(hostOf(url), 'repositoryUrl', 'repositoryUrl');
  }
}

/** Host of `scheme://[user@]host[:port]/…` or of scp-like `user@host:path`. */
function hostOf(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return new URL(url).hostname;
  const m = /^(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+):/.exec(url);
  return m?.[1] ?? url;
}
