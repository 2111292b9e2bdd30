import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildMessage } from '../message.js';
import { sampleContext } from '../context.js';
import { discordCheck, signatureCheck, slackCheck, teamsCheck, twilioCheck } from '../../../test-support/notifications/provider-checks.js';
import { HttpReceiver, SmtpReceiver } from '../../../test-support/notifications/receivers.js';
import { ChannelError, createChannel } from './index.js';
import type { NotificationMessage } from '../message.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});
async function receiver(check?: Parameters<typeof HttpReceiver.start>[0]): Promise<HttpReceiver> {
  const r = await HttpReceiver.start(check);
  open.push(r);
  return r;
}

const message = (event: NotificationMessage['event'] = 'deployment.failed'): NotificationMessage =>
  buildMessage({ event, deliveryId: 'ndl_1', context: { ...sampleContext('shop', 'https://devflow.example.com', event), reason: 'install exited 1 <oops> & more' } });

describe('channels against local receivers that check the provider shape', () => {
  it('Slack: text plus a coloured attachment with blocks, mrkdwn escaped', async () => {
    const r = await receiver(slackCheck);
    const reply = await createChannel({ type: 'slack', webhookUrl: r.url('/services/T0/B0/secret') }, undefined).send(message());
    expect(reply).toEqual({ status: 200, body: 'ok' });
    const body = JSON.parse(r.requests[0]?.body ?? '');
    expect(body.text).toBe('Deployment of shop to production failed (0000000)');
    expect(body.attachments[0].color).toBe('#cf222e');
    expect(body.attachments[0].blocks[0].text.text).toContain('Reason: install exited 1 &lt;oops&gt; &amp; more');
    expect(body.attachments[0].blocks[1].elements[0].url).toBe('https://devflow.example.com/deployments/test');
    expect(r.refused).toEqual([]);
  });

  it('Discord: one embed with title, link, colour as an integer; mentions disabled', async () => {
    const r = await receiver(discordCheck);
    await createChannel({ type: 'discord', webhookUrl: r.url('/api/webhooks/1/tok') }, undefined).send(message('deployment.succeeded'));
    expect(r.requests[0]?.path).toBe('/api/webhooks/1/tok?wait=true');
    const body = JSON.parse(r.requests[0]?.body ?? '');
    expect(body.embeds[0]).toMatchObject({ title: 'Deployed shop to production (0000000)', url: 'https://devflow.example.com/deployments/test', color: 0x2da44e });
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(r.refused).toEqual([]);
  });

  it('Teams: Adaptive Card by default, MessageCard on request', async () => {
    const r = await receiver(teamsCheck);
    await createChannel({ type: 'teams', webhookUrl: r.url(), format: 'adaptive' }, undefined).send(message('deployment.rolled_back'));
    await createChannel({ type: 'teams', webhookUrl: r.url(), format: 'messagecard' }, undefined).send(message('deployment.rolled_back'));
    const [adaptive, legacy] = r.requests.map((q) => JSON.parse(q.body));
    expect(adaptive.attachments[0].content.body[0].text).toBe('Rolled back shop on production to 0000000');
    expect(adaptive.attachments[0].content.actions[0]).toEqual({ type: 'Action.OpenUrl', title: 'Open deployment', url: 'https://devflow.example.com/deployments/test' });
    expect(legacy).toMatchObject({ '@type': 'MessageCard', themeColor: '8250df', title: 'Rolled back shop on production to 0000000' });
    expect(r.refused).toEqual([]);
  });

  it('SMS: a Twilio-style form post per recipient with basic auth', async () => {
    const r = await receiver(twilioCheck('AC123', 'tok'));
    const channel = createChannel(
      {
        type: 'sms',
        url: r.url('/2010-04-01/Accounts/AC123/Messages.json'),
        method: 'POST',
        authHeaderName: 'Authorization',
        authHeader: `Basic ${Buffer.from('AC123:tok').toString('base64')}`,
        contentType: 'form',
        body: { To: '{{to}}', From: '+15005550006', Body: '{{message}}' },
        to: ['+14155550100', '+4915112345678'],
      },
      undefined,
    );
    await channel.send(message());
    expect(r.refused).toEqual([]);
    const forms = r.requests.map((q) => new URLSearchParams(q.body));
    expect(forms.map((f) => f.get('To'))).toEqual(['+14155550100', '+4915112345678']);
    expect(forms[0]?.get('Body')).toBe('Deployment of shop to production failed (0000000)\nhttps://devflow.example.com/deployments/test');
  });

  it('custom webhook: JSON signed with the channel secret, event and delivery headers', async () => {
    const secret = 'a-long-shared-secret-value';
    const r = await receiver(signatureCheck(secret));
    await createChannel({ type: 'webhook', url: r.url(), secret }, undefined).send(message());
    expect(r.refused).toEqual([]);
    const req = r.requests[0];
    expect(req?.headers['x-devflow-event']).toBe('deployment.failed');
    expect(req?.headers['x-devflow-delivery']).toBe('ndl_1');
    expect(JSON.parse(req?.body ?? '')).toMatchObject({ id: 'ndl_1', event: 'deployment.failed', deployment: { project: 'shop', status: 'failed', commit: { sha: '0'.repeat(40) } } });

    // A wrong secret is caught by the receiver: the check is real.
    const other = await receiver(signatureCheck('some-other-secret-entirely'));
    const err = await createChannel({ type: 'webhook', url: other.url(), secret }, undefined).send(message()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ status: 400, body: 'signature mismatch', retryable: false });
  });

  it('errors carry the provider status and body, hide the URL path and say whether a retry may help', async () => {
    const r = await receiver();
    r.failNext(1, 503, 'upstream down');
    r.failNext(1, 404, 'no_service');
    const slack = createChannel({ type: 'slack', webhookUrl: r.url('/services/T0/B0/SECRET-TOKEN') }, undefined);
    const first = (await slack.send(message()).catch((e: unknown) => e)) as ChannelError;
    expect(first).toMatchObject({ channel: 'slack', status: 503, body: 'upstream down', retryable: true });
    expect(first.message).not.toContain('SECRET-TOKEN');
    expect(await slack.send(message()).catch((e: unknown) => e)).toMatchObject({ status: 404, retryable: false });

    // A port nothing listens on (bound, then released).
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const down = (await createChannel({ type: 'discord', webhookUrl: `http://127.0.0.1:${port}/x/SECRET` }, undefined).send(message()).catch((e: unknown) => e)) as ChannelError;
    expect(down).toMatchObject({ status: null, retryable: true });
    expect(down.message, down.message).toMatch(/cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('e-mail: a real SMTP server receives subject, text and recipients, with auth', async () => {
    const smtp = await SmtpReceiver.start({ user: 'mailer', password: 's3cret' });
    open.push(smtp);
    const channel = createChannel(
      { type: 'email', to: ['ops@example.com', 'dev@example.com'] },
      { host: '127.0.0.1', port: smtp.port, secure: false, user: 'mailer', password: 's3cret', from: 'DevFlow <devflow@example.com>' },
    );
    const reply = await channel.send(message());
    expect(reply.status).toBe(250);
    const mail = smtp.mails[0];
    expect(mail).toMatchObject({ from: 'devflow@example.com', to: ['ops@example.com', 'dev@example.com'], user: 'mailer', subject: 'Deployment of shop to production failed (0000000)' });
    expect(mail?.raw).toContain('Reason: install exited 1 <oops> & more');
    expect(mail?.raw).toMatch(/^X-DevFlow-Delivery: ndl_1$/im);

    const wrong = createChannel({ type: 'email', to: ['ops@example.com'] }, { host: '127.0.0.1', port: smtp.port, secure: false, user: 'mailer', password: 'nope', from: 'x@example.com' });
    expect(await wrong.send(message()).catch((e: unknown) => e)).toMatchObject({ channel: 'email', status: 535, retryable: false });
  });
});
