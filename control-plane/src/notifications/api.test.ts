import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, jsonHeaders, loginCookie, startTestControlPlane, type TestControlPlane } from '../../test-support/harness.js';
import { slackCheck, signatureCheck } from '../../test-support/notifications/provider-checks.js';
import { HttpReceiver, SmtpReceiver } from '../../test-support/notifications/receivers.js';

/** The notifications API in-process: validation, secrets kept out of answers, roles, test sends, audit. */
let cp: TestControlPlane;
let token: string;
let slack: HttpReceiver;
let smtp: SmtpReceiver;

const api = (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
  cp.app.request(`/api/projects/shop/notifications${path}`, {
    method: init.method ?? 'GET',
    headers: init.headers ?? { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
const json = async (res: Response) => (await res.json()) as Record<string, any>;

beforeAll(async () => {
  [slack, smtp] = await Promise.all([HttpReceiver.start(slackCheck), SmtpReceiver.start()]);
  cp = await startTestControlPlane({ DEVFLOW_SMTP_HOST: '127.0.0.1', DEVFLOW_SMTP_PORT: String(smtp.port), DEVFLOW_SMTP_FROM: 'devflow@example.com' });
  token = await adminToken(cp);
  await cp.services.projects.create('system', { name: 'shop', repositoryUrl: '/srv/git/shop', preset: 'node', defaultBranch: 'main' });
  for (const name of ['production', 'staging']) await cp.services.environments.create('system', 'shop', { name, serverIds: [] });
});
afterAll(async () => {
  await cp?.dispose();
  await Promise.all([slack?.close(), smtp?.close()]);
});

describe('notifications API', () => {
  let id: string;

  it('creates a Slack channel with rules; the webhook URL (it holds the token) is never returned', async () => {
    const webhookUrl = slack.url('/services/T000/B000/XXXXSECRET');
    const res = await api('', { method: 'POST', body: { name: 'ops slack', channel: { type: 'slack', webhookUrl }, rules: [{ events: ['deployment.failed'], environments: ['production'], template: { text: '{{project}} broke: {{reason}}' } }] } });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toContain('XXXXSECRET');
    const { notification } = JSON.parse(text);
    expect(notification).toMatchObject({ name: 'ops slack', enabled: true, channel: { type: 'slack', host: new URL(webhookUrl).host }, rules: [{ events: ['deployment.failed'], environments: ['production'] }] });
    id = notification.id;
    const list = await (await api('')).text();
    expect(list).not.toContain('XXXXSECRET');
    expect(JSON.parse(list).notifications).toHaveLength(1);
    // Sealed at rest too.
    const row = (await cp.services.db.execute({ sql: 'SELECT channel_enc FROM notifications WHERE id = ?', args: [id] })).rows[0];
    expect(String(row?.channel_enc)).not.toContain('SECRET');
  });

  it('refuses unknown placeholders, environments and malformed channels with the field named', async () => {
    const base = { name: 'x', channel: { type: 'slack', webhookUrl: slack.url() } };
    const cases: [unknown, string, RegExp][] = [
      [{ ...base, rules: [{ events: ['deployment.failed'], template: { text: 'by {{autor}}' } }] }, 'rules.0.template.text', /unknown placeholder \{\{autor\}\}/],
      [{ ...base, rules: [{ events: ['deployment.started'] }, { events: ['deployment.failed'], template: { subject: '{{ nope }}' } }] }, 'rules.1.template.subject', /\{\{nope\}\}/],
      [{ ...base, rules: [{ events: ['deployment.failed'], environments: ['prod'] }] }, 'rules.0.environments', /no environment "prod" \(it has: production, staging\)/],
      [{ ...base, rules: [{ events: ['deployment.exploded'] }] }, 'rules.0.events.0', /./],
      [{ ...base, rules: [] }, 'rules', /./],
      [{ ...base, channel: { type: 'slack', webhookUrl: 'ftp://x' }, rules: [{ events: ['deployment.failed'] }] }, 'channel.webhookUrl', /http/],
      [{ ...base, channel: { type: 'webhook', url: slack.url(), secret: 'short' }, rules: [{ events: ['deployment.failed'] }] }, 'channel.secret', /16/],
      [{ ...base, channel: { type: 'sms', url: slack.url(), body: { Body: '{{message}} {{phone}}' }, to: ['+14155550100'] }, rules: [{ events: ['deployment.failed'] }] }, 'channel.body.Body', /\{\{phone\}\}/],
      [{ ...base, channel: { type: 'slack', webhookUrl: slack.url().replace('://', '://user:secret@') }, rules: [{ events: ['deployment.failed'] }] }, 'channel.webhookUrl', /must not contain a user name or password/],
      [{ ...base, channel: { type: 'email', to: ['not-an-address'] }, rules: [{ events: ['deployment.failed'] }] }, 'channel.to.0', /./],
    ];
    for (const [body, field, message] of cases) {
      const res = await api('', { method: 'POST', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = await json(res);
      expect(error.details.field, JSON.stringify(body)).toBe(field);
      expect(error.message).toMatch(message);
    }
  });

  it('updates rules and keeps the stored secret when the channel type stays', async () => {
    const res = await api(`/${id}`, { method: 'PATCH', body: { rules: [{ events: ['deployment.failed', 'deployment.succeeded'] }], channel: { type: 'slack' } } });
    expect(res.status).toBe(200);
    expect((await json(res)).notification.rules).toEqual([{ events: ['deployment.failed', 'deployment.succeeded'], environments: [] }]);
    const test = await json(await api(`/${id}/test`, { method: 'POST' }));
    // The target's body is never returned (SSRF: the URL is user-given), only its status.
    expect(test.result).toEqual({ ok: true, error: null, status: 200 });
    expect(slack.requests.at(-1)?.path).toBe('/services/T000/B000/XXXXSECRET');
    expect(JSON.parse(slack.requests.at(-1)?.body ?? '').text).toBe('[test] Deployed shop to production (0000000)');
  });

  it('a test send reports the provider answer when it refuses', async () => {
    slack.failNext(1, 500, 'rollup_error');
    const res = await api(`/${id}/test`, { method: 'POST', body: { event: 'deployment.failed' } });
    expect(res.status).toBe(200);
    const failed = (await json(res)).result;
    expect(failed).toEqual({ ok: false, status: 500, error: expect.stringMatching(/^slack: 127\.0\.0\.1:\d+ answered 500$/) });
    expect(JSON.stringify(failed)).not.toContain('rollup_error');
  });

  it('e-mail channels send through the configured SMTP server', async () => {
    const res = await api('', { method: 'POST', body: { name: 'mail', channel: { type: 'email', to: ['ops@example.com'] }, rules: [{ events: ['deployment.failed'] }] } });
    expect(res.status).toBe(201);
    const { notification } = await json(res);
    expect(notification.channel).toEqual({ type: 'email', to: ['ops@example.com'] });
    const test = await json(await api(`/${notification.id}/test`, { method: 'POST', body: { event: 'deployment.failed' } }));
    expect(test.result).toMatchObject({ ok: true, status: 250 });
    expect(smtp.mails.at(-1)).toMatchObject({ to: ['ops@example.com'], subject: '[test] Deployment of shop to production failed (0000000)' });
  });

  it('webhook channel shows only its host and that a secret is set', async () => {
    const hook = await HttpReceiver.start(signatureCheck('0123456789abcdef-secret'));
    try {
      const res = await api('', { method: 'POST', body: { name: 'hook', channel: { type: 'webhook', url: hook.url('/in?key=abc'), secret: '0123456789abcdef-secret' }, rules: [{ events: ['deployment.started'] }] } });
      const { notification } = await json(res);
      expect(notification.channel).toEqual({ type: 'webhook', host: new URL(hook.url()).host, secret: true });
      const test = await json(await api(`/${notification.id}/test`, { method: 'POST', body: {} }));
      expect(test.result.ok, JSON.stringify(test)).toBe(true);
      expect(hook.refused).toEqual([]);
    } finally {
      await hook.close();
    }
  });

  it('needs the maintainer role', async () => {
    await cp.services.users.create('dev@example.com', 'a deployer password', 'deployer');
    const cookie = await loginCookie(cp, 'dev@example.com', 'a deployer password');
    expect((await api('', { headers: jsonHeaders(cookie) })).status).toBe(403);
    expect((await api(`/${id}/test`, { method: 'POST', headers: jsonHeaders(cookie) })).status).toBe(403);
  });

  it('deletes, 404s afterwards, and audits every change', async () => {
    expect((await api(`/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/${id}`)).status).toBe(404);
    expect((await cp.app.request('/api/projects/nope/notifications', { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    const actions = (await cp.services.audit.list(200)).filter((e) => e.target === id).map((e) => e.action);
    expect(actions.sort()).toEqual(['notification.create', 'notification.delete', 'notification.test', 'notification.test', 'notification.update']);
  });
});
