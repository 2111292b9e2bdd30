import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';

export interface ScrapeRequest {
  /** The Authorization header, if any. */
  authorization: string | undefined;
  /** The TCP peer; undefined when unknown (in-process requests). */
  remoteAddress: string | undefined;
  /** A Forwarded / X-Forwarded-For / X-Real-IP header came from a peer not in DEVFLOW_TRUSTED_PROXIES: the peer may be a proxy, not the client. */
  proxied: boolean;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Who may read /metrics: with DEVFLOW_METRICS_TOKEN set, a request bearing it (compared in
 * constant time); without it, loopback clients only. A request that came through a reverse
 * proxy on the same host looks like loopback, so a forwarding header refuses it unless that proxy is
 * listed in DEVFLOW_TRUSTED_PROXIES (then the forwarded client address is checked): set the token.
 */
export function authorizeScrape(req: ScrapeRequest, token: string | undefined): void {
  if (token) {
    const m = /^Bearer\s+(\S+)$/i.exec(req.authorization ?? '');
    if (!m?.[1] || !timingSafeEqual(digest(m[1]), digest(token))) {
      throw new AppError('UNAUTHENTICATED', 'GET /metrics needs "Authorization: Bearer <DEVFLOW_METRICS_TOKEN>" (bearer_token in the Prometheus scrape config)');
    }
    return;
  }
  if (req.proxied || !req.remoteAddress || !LOOPBACK.test(req.remoteAddress)) {
    throw new AppError(
      'FORBIDDEN',
      `GET /metrics is open to loopback clients only (this request came from ${req.proxied ? 'a reverse proxy' : (req.remoteAddress ?? 'an unknown address')}); set DEVFLOW_METRICS_TOKEN to scrape from elsewhere`,
    );
  }
}
