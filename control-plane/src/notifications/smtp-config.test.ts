import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

describe('SMTP configuration', () => {
  it('is off unless a URL or host is given', () => {
    expect(loadConfig({}).smtp).toBeUndefined();
  });

  it('reads SMTP_URL: credentials, TLS from the scheme, default ports, sender from ?from=', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://mailer:p%40ss@mail.example.com?from=ops%40example.com' }).smtp).toEqual({
      host: 'mail.example.com', port: 587, secure: false, user: 'mailer', password: 'p@ss', from: 'ops@example.com',
    });
    expect(loadConfig({ SMTP_URL: 'smtps://mail.example.com' }).smtp).toMatchObject({ port: 465, secure: true, user: undefined, from: 'DevFlow <devflow@localhost>' });
  });

  it('DEVFLOW_SMTP_* alone or winning over the URL', () => {
    expect(loadConfig({ DEVFLOW_SMTP_HOST: '127.0.0.1', DEVFLOW_SMTP_PORT: '2525', DEVFLOW_SMTP_SECURE: 'off', DEVFLOW_SMTP_FROM: 'x@example.com' }).smtp).toEqual({
      host: '127.0.0.1', port: 2525, secure: false, user: undefined, password: undefined, from: 'x@example.com',
    });
    expect(loadConfig({ SMTP_URL: 'smtp://a:b@mail.example.com:25', DEVFLOW_SMTP_PASSWORD: 'other' }).smtp).toMatchObject({ port: 25, user: 'a', password: 'other' });
  });

  it('refuses malformed values naming the variable', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow(ConfigError);
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow(/^SMTP_URL: must look like smtp:/);
    expect(() => loadConfig({ DEVFLOW_SMTP_PORT: '99999' })).toThrow(/^DEVFLOW_SMTP_PORT/);
  });
});
