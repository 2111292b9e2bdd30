import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubDelivery, githubPushPayload } from '../../control-plane/test-support/webhook-payloads.js';
import { startAgent } from '../helpers/agent.js';
import { Api } from '../helpers/api.js';
import { adminSession, startControlPlaneProcess, type RunningControlPlane } from '../helpers/control-plane.js';
import { freePort } from '../helpers/net.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { DESKTOP, PHONE, launchBrowser, logIn, openLoaded, openPage, screenshot } from './browser.js';
import { createAppRepo, type AppRepo } from './fixtures/app-repo.js';

/**
 * The console's settings for approvals, schedules, blue/green slots, push webhooks and
 * notifications, against a real control plane and a real agent: a notification channel tested
 * against a local receiver, a schedule saved, a deployment approved by a second user and
 * deployed, a webhook secret shown once and a signed push listed among the deliveries.
 */
let cp: RunningControlPlane;
let browser: Browser;
let admin: { page: Page; pageErrors: string[] };
let headers: Record<string, string>;
let repo: AppRepo;
let receiver: Server;
let receiverUrl: string;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
const APPROVER = { email: 'approver@e2e.local', password: 'approver password 123' };
const cspViolations: string[] = [];

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(cp.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function logInAs(page: Page, email: string, password: string, path: string): Promise<void> {
  await page.goto(cp.url + path);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.topbar').waitFor();
}

beforeAll(async () => {
  repo = createAppRepo();
  repo.commit('First release', { lines: 3, delayMs: 5 });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks from the receiver');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  cp = await startControlPlaneProcess();
  headers = await adminSession(cp.url);
  const server = await startAgent(new Api(cp.url, headers), 'web-1', '127.0.0.1', 30_000);
  await api('POST', '/api/projects', { name: 'shop', repositoryUrl: repo.dir, preset: 'custom' });
  await api('POST', '/api/projects/shop/environments', { name: 'production', port: await freePort(), startCommand: 'node server.js', serverIds: [server.id] });
  await api('POST', '/api/users', { email: APPROVER.email, password: APPROVER.password, role: 'approver' });
  browser = await launchBrowser();
  admin = await openPage(browser, DESKTOP);
  // The console must work under its own Content-Security-Policy: Chromium reports every violation.
  admin.page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await logIn(admin.page, cp.url);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await stopAll();
  removeTempDirs();
});

describe('console: approvals, schedules, slots, webhooks, notifications', () => {
  it('adds a signed webhook notification channel and sends a test to a local receiver, showing its answer', async () => {
    const page = admin.page;
    await page.goto(`${cp.url}/projects/shop/settings`);
    const section = page.getByRole('region', { name: 'Notifications' });
    await section.getByText('No channels yet.').waitFor();
    await section.getByRole('button', { name: 'Add channel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a notification channel' });
    await dialog.getByLabel('Name').fill('ops hook');
    await dialog.getByLabel('Channel type').selectOption('webhook');
    await dialog.getByLabel('Endpoint URL').fill(receiverUrl);
    await dialog.getByLabel('Signing secret').fill('a signing secret of some length');
    await dialog.getByRole('checkbox', { name: 'needs approval' }).check();
    await dialog.getByRole('checkbox', { name: 'started' }).check();
    await screenshot(page, 'notification-dialog');
    await dialog.getByRole('button', { name: 'Add channel' }).click();
    const row = section.locator('li[data-channel="ops hook"]');
    await row.waitFor();
    // The secret and the URL's path never come back: only the host.
    await expect(row.textContent()).resolves.toContain('127.0.0.1');
    await expect(page.content()).resolves.not.toContain('a signing secret of some length');

    await row.getByRole('button', { name: 'Send test' }).click();
    await row.getByTestId('test-result').waitFor();
    // The provider's status only: its body is never shown (SSRF rule, issue 17 item 5).
    await expect(row.getByTestId('test-result').textContent()).resolves.toMatch(/Sent · provider answered 200/);
    await expect(row.getByTestId('test-result').textContent()).resolves.not.toContain('thanks from the receiver');
    expect(received).toHaveLength(1);
    const signature = createHmac('sha256', 'a signing secret of some length').update(received[0]!.body).digest('hex');
    expect(received[0]!.headers['x-devflow-signature']).toBe(`sha256=${signature}`);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ test: true });
    await screenshot(page, 'notifications');
  });

  it('saves approval, schedule, slot ports and stage timeouts in the environment settings', async () => {
    const page = admin.page;
    await page.goto(`${cp.url}/projects/shop/environments/production`);
    const gates = page.getByRole('form', { name: 'Approvals and automatic deploys' });
    await gates.getByRole('checkbox', { name: /Deployments need approval/ }).check();
    await gates.getByLabel('Expires after (hours)').fill('2');
    await gates.getByRole('button', { name: 'Save approvals' }).click();
    await gates.getByText('Saved.').waitFor();

    const schedule = page.getByRole('region', { name: 'Schedule' });
    await schedule.getByLabel('Cron expression').fill('0 3 * * MON-FRI');
    await schedule.getByLabel('Time zone').fill('Europe/Berlin');
    await schedule.getByRole('button', { name: 'Save schedule' }).click();
    await schedule.getByRole('button', { name: 'Remove schedule' }).waitFor();

    const slots = page.getByRole('form', { name: 'Slots and timeouts' });
    await slots.getByLabel('Green slot port').fill(String(await freePort()));
    await slots.getByLabel('install timeout').fill('600');
    await slots.getByRole('button', { name: 'Save slots and timeouts' }).click();
    await slots.getByText('Saved.').waitFor();

    const { environment } = await api<{ environment: Record<string, any> }>('GET', '/api/projects/shop/environments/production');
    expect(environment.approval).toEqual({ required: true, approvers: 1, expiresAfterSeconds: 7200, rollbacks: false });
    expect(environment.stageTimeouts.install).toBe(600);
    expect(environment.slotPorts.blue).toBe(environment.port + 1);
    expect(environment.slotPorts.green).not.toBe(environment.port + 2);
    const { schedule: saved } = await api<{ schedule: Record<string, unknown> }>('GET', '/api/projects/shop/environments/production/schedule');
    expect(saved).toMatchObject({ cron: '0 3 * * MON-FRI', timezone: 'Europe/Berlin', enabled: true });
    await screenshot(page, 'environment-settings-gates');
  });

  it('turns the previous-succeeded rule off and on, adds a freeze window and shows it in the calendar, then removes it', async () => {
    const page = admin.page;
    await page.goto(`${cp.url}/projects/shop/environments/production`);
    const gates = page.getByRole('form', { name: 'Approvals and automatic deploys' });
    const rule = gates.getByRole('checkbox', { name: /Only if the previous deployment succeeded/ });
    await expect(rule.isChecked()).resolves.toBe(true);
    await rule.uncheck();
    await gates.getByRole('button', { name: 'Save approvals' }).click();
    await gates.getByText('Saved.').waitFor();
    expect((await api<{ environment: Record<string, any> }>('GET', '/api/projects/shop/environments/production')).environment.requirePreviousSuccess).toBe(false);
    await rule.check();
    await gates.getByRole('button', { name: 'Save approvals' }).click();
    await waitFor('rule saved on', async () => (await api<{ environment: Record<string, any> }>('GET', '/api/projects/shop/environments/production')).environment.requirePreviousSuccess === true);

    const freezes = page.getByRole('region', { name: 'Freeze windows' });
    await freezes.getByText('No freeze windows.').waitFor();
    const form = freezes.getByRole('form', { name: 'Add a freeze window' });
    // Tomorrow 09:00 to 17:00 local time: inside the four weeks the calendar shows.
    const day = new Date();
    day.setDate(day.getDate() + 1);
    const local = (h: number) => `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}T${String(h).padStart(2, '0')}:00`;
    await form.getByLabel('From', { exact: true }).fill(local(9));
    await form.getByLabel('To', { exact: true }).fill(local(17));
    await form.getByLabel('Reason').fill('release train');
    await form.getByRole('button', { name: 'Add freeze window' }).click();
    await freezes.getByRole('list', { name: 'Freeze window list' }).getByText(/release train/).waitFor();
    const frozen = freezes.locator('.freeze-day.frozen');
    await expect(frozen.count()).resolves.toBe(1);
    await expect(frozen.getAttribute('aria-label')).resolves.toBe(`${day.toDateString()}: frozen (release train)`);
    await screenshot(page, 'environment-freeze-calendar');

    // A bad window is refused with the field named, and nothing is added.
    await form.getByLabel('From', { exact: true }).fill(local(17));
    await form.getByLabel('To', { exact: true }).fill(local(9));
    await form.getByLabel('Reason').fill('backwards');
    await form.getByRole('button', { name: 'Add freeze window' }).click();
    await form.getByText(/to: must be after from/).waitFor();
    await freezes.getByRole('button', { name: 'Remove' }).click();
    await freezes.getByText('No freeze windows.').waitFor();
    expect((await api<{ freezes: unknown[] }>('GET', '/api/projects/shop/freezes')).freezes).toEqual([]);
  });

  it('waits for approval: the requester is told why they cannot approve, a second user approves and it deploys', async () => {
    const page = admin.page;
    await page.goto(`${cp.url}/projects/shop`);
    await page.locator('[data-environment="production"]').getByRole('button', { name: 'Deploy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deploy shop to production' });
    await dialog.getByRole('option', { name: /First release/ }).waitFor();
    await dialog.getByRole('button', { name: /^Deploy main/ }).click();
    await page.waitForURL(/\/deployments\/[^/]+$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const panel = page.getByTestId('approval-panel');
    await panel.getByText('0 of 1 approval').waitFor();
    await panel.getByText('You requested this deployment').waitFor();
    expect(await panel.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await screenshot(page, 'deployment-pending-approval');

    const approver = await openPage(browser, DESKTOP);
    await logInAs(approver.page, APPROVER.email, APPROVER.password, '/approvals');
    const item = approver.page.locator(`li[data-deployment-id="${id}"]`);
    await item.getByText('requested by admin@e2e.local').waitFor();
    await screenshot(approver.page, 'approvals');
    await item.getByRole('button', { name: 'Approve' }).click();
    await approver.page.getByText('Nothing is waiting for approval.').waitFor();
    expect(approver.pageErrors).toEqual([]);
    await approver.page.context().close();

    // The requester's page follows the deployment live to its end.
    await page.locator('h1 [data-status="succeeded"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('approval-panel').count()).toBe(0);
    await expect(page.locator('.facts').textContent()).resolves.toContain('manual by admin@e2e.local');

    // The channel heard about it (needs approval, started, succeeded): the delivery history in project settings lists each once.
    await page.goto(`${cp.url}/projects/shop/settings`);
    const deliveries = page.getByRole('table', { name: 'Notification deliveries' });
    await waitFor('three sent deliveries', async () => {
      await page.reload();
      await deliveries.waitFor();
      return (await deliveries.locator('tr[data-status="sent"]').count()) === 3;
    }, 30_000, 1000);
    const events = await deliveries.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(events.sort()).toEqual(['needs approval', 'started', 'succeeded']);
  });

  it('shows a new webhook secret once and lists a signed push among the deliveries', async () => {
    const page = admin.page;
    await page.goto(`${cp.url}/projects/shop/settings#webhook`);
    const section = page.getByRole('region', { name: 'Push webhook' });
    await section.getByText('No deliveries yet.').waitFor();
    const url = (await section.getByTestId('webhook-url').textContent()) ?? '';
    expect(url).toMatch(new RegExp(`^${cp.url}/webhooks/prj_`));
    page.once('dialog', (d) => void d.accept());
    await section.getByRole('button', { name: /Generate (new )?secret/ }).click();
    const secret = ((await section.getByTestId('shown-once').locator('code').textContent()) ?? '').trim();
    expect(secret.length).toBeGreaterThan(20);
    await screenshot(page, 'webhook-secret');
    await page.reload();
    await section.getByTestId('webhook-secret-state').getByText(/Secret set/).waitFor();
    await expect(page.content()).resolves.not.toContain(secret);

    const delivery = githubDelivery('push', githubPushPayload('refs/heads/main', { sha: 'a'.repeat(40), message: 'Pushed commit' }), secret);
    const res = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    await page.reload();
    const row = section.getByRole('table', { name: 'Webhook deliveries' }).locator('tbody tr');
    await row.first().waitFor();
    await expect(row.first().textContent()).resolves.toMatch(/github push.*main.*aaaaaaa/);
    await screenshot(page, 'project-settings');
  });

  it('Access page: an admin changes a role, disables (their token stops at once), resets a password, revokes a token and deletes a user', async () => {
    const email = 'temp-user@e2e.local';
    const password = 'Temp user password 42';
    await api('POST', '/api/users', { email, password, role: 'viewer' });
    const session = await fetch(`${cp.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1' }, body: JSON.stringify({ email, password }) });
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { token } = (await (await fetch(`${cp.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-devflow-csrf': '1', cookie }, body: JSON.stringify({ name: 'temp-ci' }) })).json()) as { token: string };
    const me = () => fetch(`${cp.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await me()).toBe(200);

    const page = admin.page;
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${cp.url}/settings/access`);
    const table = page.getByRole('table', { name: 'Users' });
    const row = table.locator(`tr[data-user="${email}"]`);
    await row.getByLabel(`Role of ${email}`).selectOption('deployer');
    await waitFor('role saved', async () => (await api<{ users: { email: string; role: string }[] }>('GET', '/api/users')).users.find((u) => u.email === email)?.role === 'deployer', 10_000);
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('disabled').waitFor();
    expect(await me()).toBe(401);
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('active').waitFor();
    expect(await me()).toBe(200);

    await row.getByRole('button', { name: 'Reset password' }).click();
    await page.getByLabel(`New password for ${email}`).fill('aaaaaaaaaaaaaaaa');
    await page.getByRole('button', { name: /Set password/ }).click();
    await page.getByText(/only 1 different characters/).waitFor();
    await page.getByLabel(`New password for ${email}`).fill('A brand new passphrase 7');
    await page.getByRole('button', { name: /Set password/ }).click();
    await page.getByLabel(`New password for ${email}`).waitFor({ state: 'detached' });

    await row.getByRole('button', { name: 'Tokens' }).click();
    const tokens = page.getByRole('list', { name: `Tokens of ${email}` });
    await tokens.getByText('temp-ci').waitFor();
    await tokens.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText(`${email} has no API tokens.`).waitFor();
    expect(await me()).toBe(401);
    await screenshot(page, 'access-users');

    await row.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await api<{ users: { email: string }[] }>('GET', '/api/users')).users.map((u) => u.email)).not.toContain(email);

    // Own tokens: one made in the form with a 30-day expiry is listed with its date.
    await page.getByLabel('Token name').fill('ci-expiring');
    await page.getByLabel('Token expiry').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const expires = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    await page.getByRole('listitem').filter({ hasText: 'ci-expiring' }).getByText(new RegExp(`expires (${expires}|${new Date(Date.now() + 31 * 24 * 3600 * 1000).toISOString().slice(0, 10)})`)).waitFor();

    // The audit log section: what was just done is there; a filter narrows it; the export link carries the filter.
    await page.reload();
    const audit = page.getByRole('table', { name: 'Audit log' });
    await audit.locator('tr[data-audit="user.delete"]').first().waitFor();
    await page.getByLabel('Action', { exact: true }).fill('user.');
    await page.getByRole('button', { name: 'Filter' }).click();
    await waitFor('audit filtered', async () => (await audit.locator('tr[data-audit]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-audit')))).every((a) => a?.startsWith('user.')), 10_000);
    expect(await page.getByRole('link', { name: 'Export JSON lines' }).getAttribute('href')).toBe('/api/audit/export?action=user.');
    expect(cspViolations).toEqual([]);
  });

  it('fits the new pages on a 390 px screen without horizontal overflow', async () => {
    const phone = await openPage(browser, PHONE);
    await logIn(phone.page, cp.url);
    for (const [path, name] of [
      ['/approvals', 'approvals'],
      ['/projects/shop/settings', 'project-settings'],
      ['/projects/shop/environments/production', 'environment-settings'],
    ] as const) {
      const overflow = await openLoaded(phone.page, cp.url, path);
      expect(overflow, `${path} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
      await screenshot(phone.page, name);
    }
    expect(phone.pageErrors).toEqual([]);
    expect(admin.pageErrors).toEqual([]);
  });
});
