import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgent } from '../helpers/agent.js';
import { E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD, adminSession, startControlPlaneProcess, type RunningControlPlane } from '../helpers/control-plane.js';
import { freePort } from '../helpers/net.js';
import { spawnNode, stopAll } from '../helpers/processes.js';
import { AGENT_BIN } from '../helpers/repo.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { DESKTOP, PHONE, launchBrowser, logIn, openLoaded, openPage, screenshot } from './browser.js';
import { createAppRepo, type AppRepo } from './fixtures/app-repo.js';

/**
 * The console in a real browser against a real control plane and a real agent: enrol a
 * server from the install line it shows, create a project, deploy with options and watch the
 * log stream in, search it, find the deployment in history, roll back, cancel a queued one.
 * The steps share one control plane and run in order.
 */
let cp: RunningControlPlane;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let repo: AppRepo;
let headers: Record<string, string>;
const shots: string[] = [];
const ids: { first?: string; second?: string; rollback?: string; slow?: string; queued?: string } = {};

async function apiGet<T>(path: string): Promise<T> {
  const res = await fetch(cp.url + path, { headers });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function deploymentStatus(id: string): Promise<string> {
  return (await apiGet<{ deployment: { status: string } }>(`/api/deployments/${id}`)).deployment.status;
}

const finished = (id: string, timeoutMs = 60_000) =>
  waitFor(`deployment ${id} to finish`, async () => {
    const status = await deploymentStatus(id);
    return ['succeeded', 'failed', 'cancelled', 'timed_out', 'skipped', 'rejected'].includes(status) ? status : undefined;
  }, timeoutMs, 250);

/**
 * `devflow-agent enroll` with the install line's arguments. `--token=` keeps a token that
 * starts with "-" (base64url allows it) from being read as an option.
 */
async function enroll(url: string, token: string, name: string): Promise<string> {
  const dataDir = tempDir('devflow-agent-');
  const p = spawnNode('agent-enroll', AGENT_BIN, ['enroll', '--url', url, `--token=${token}`, '--name', name, '--data-dir', dataDir]);
  await p.exited;
  if (p.exit?.code !== 0) throw new Error(`agent enroll failed (${JSON.stringify(p.exit)}):\n${p.tail()}`);
  return dataDir;
}

const idFromUrl = (url: string) => new URL(url).pathname.split('/').pop() ?? '';

beforeAll(async () => {
  repo = createAppRepo();
  repo.commit('First release of the shop', { lines: 40, delayMs: 60 });
  cp = await startControlPlaneProcess();
  headers = await adminSession(cp.url);
  browser = await launchBrowser();
  ({ page, pageErrors } = await openPage(browser, DESKTOP));
});

afterAll(async () => {
  await browser?.close();
  await stopAll();
  removeTempDirs();
});

describe('web console', () => {
  it('logs in and shows the empty dashboard', async () => {
    await logIn(page, cp.url);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('No projects yet.').waitFor();
    shots.push(await screenshot(page, 'dashboard-empty'));
  });

  it('adds a server, shows its install line and turns it online when the agent enrols with it', async () => {
    await page.getByRole('link', { name: 'Servers' }).click();
    await page.getByRole('button', { name: 'Add server' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a server' });
    await dialog.getByLabel('Name').fill('web-1');
    await dialog.getByLabel('Labels').fill('web, region=local');
    await dialog.getByRole('button', { name: 'Add and show install line' }).click();
    const line = (await page.getByTestId('install-line').locator('code').textContent()) ?? '';
    const m = /curl -fsSL (\S+)\/install\.sh .*--token (\S+) --name (\S+)/.exec(line);
    expect(m, `install line: ${line}`).not.toBeNull();
    const [, url, token, name] = m!;
    expect(url).toBe(cp.url);
    shots.push(await screenshot(page, 'servers-install-line'));

    // What install.sh does with the line's arguments: enrol, then run the agent.
    const dataDir = await enroll(url!, token!, name!);
    runAgent(dataDir);
    // The table updates from the live event stream, without a reload.
    await page.locator('tr[data-server="web-1"][data-status="online"]').waitFor({ timeout: 30_000 });
    await expect(page.locator('tr[data-server="web-1"]').textContent()).resolves.toContain('region=local');
    shots.push(await screenshot(page, 'servers'));
  });

  it('creates a project with its first environment and configures it in settings', async () => {
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Name').fill('shop');
    await dialog.getByLabel('Repository').fill(repo.dir);
    await dialog.getByLabel('Preset').selectOption('custom');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'shop' }).waitFor();
    await page.locator('[data-environment="production"]').waitFor();

    await page.locator('[data-environment="production"]').getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Deployment' }).waitFor();
    await page.getByLabel('Public port').fill(String(await freePort()));
    await page.getByLabel('Health check path').fill('/up');
    await page.getByLabel('Start command', { exact: true }).fill('node server.js');
    await page.getByRole('checkbox', { name: /web-1/ }).check();
    await page.getByLabel('build commands', { exact: true }).fill('node build.js');
    await page.getByRole('button', { name: 'Save environment' }).click();
    await page.getByText('Saved.').waitFor();

    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByLabel('Variable name').fill('GREETING');
    await page.getByLabel('Variable value').fill('hello secret value');
    await page.getByRole('button', { name: 'Save variables' }).click();
    await page.locator('li[data-key="GREETING"]').waitFor();
    await expect(page.locator('li[data-key="GREETING"]').textContent()).resolves.not.toContain('hello secret value');
    shots.push(await screenshot(page, 'environment-settings'));
  });

  it('deploys with options and shows log lines live, before the deployment ends', async () => {
    await page.getByRole('link', { name: 'shop' }).first().click();
    const env = page.locator('[data-environment="production"]');
    await env.getByRole('button', { name: 'Deploy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deploy shop to production' });
    await dialog.getByRole('option', { name: /First release of the shop/ }).waitFor();
    await expect(dialog.getByLabel('Branch').inputValue()).resolves.toBe('main');
    shots.push(await screenshot(page, 'deploy-dialog'));
    await dialog.getByLabel('Skip migrations').check();
    await dialog.getByRole('button', { name: /^Deploy main/ }).click();

    await page.waitForURL(/\/deployments\/[^/]+$/);
    ids.first = idFromUrl(page.url());
    // A build line is on screen while the deployment is still running.
    await page.locator('.log-row', { hasText: 'step 3 of 40' }).waitFor({ timeout: 30_000 });
    expect(await deploymentStatus(ids.first)).toBe('running');
    shots.push(await screenshot(page, 'deployment-running'));
    await page.locator('h1 [data-status="succeeded"]').waitFor({ timeout: 60_000 });
    await expect(page.locator('.facts').textContent()).resolves.toContain('skip migrations');
    await page.locator('.step-succeeded', { hasText: 'build' }).first().waitFor();
  });

  it('renders ANSI colours, highlights error lines and searches the log with next/previous', async () => {
    await expect(page.locator('.log-row .fg1, .log-row .fg2, .log-row .fg3').first().isVisible()).resolves.toBe(true);
    await page.locator('.log-body').click();
    await page.keyboard.press('/');
    const search = page.getByLabel('Search the log');
    await expect(search.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await search.fill('CHUNK-1');
    // chunk-1, chunk-10..19: eleven matches, the first one current.
    await waitFor('11 search hits', async () => (await page.locator('.log-hits').textContent()) === '1 / 11');
    await page.getByRole('button', { name: 'Next match' }).click();
    await waitFor('second hit', async () => (await page.locator('.log-hits').textContent()) === '2 / 11');
    await expect(page.locator('.log-current mark').first().textContent()).resolves.toBe('chunk-1');
    await search.press('Shift+Enter');
    await search.press('Shift+Enter');
    await waitFor('wrap to last hit', async () => (await page.locator('.log-hits').textContent()) === '11 / 11');
    await expect(page.locator('.log-current').textContent()).resolves.toContain('chunk-19');
    await search.fill('');
    await expect(page.locator('.log-row.log-error', { hasText: 'error budget' }).count()).resolves.toBe(1);
    shots.push(await screenshot(page, 'deployment-search'));
  });

  it('lists the deployment in history with filters and commit search', async () => {
    const sha = repo.commit('Second release: faster checkout', { lines: 10, delayMs: 20 });
    const res = await fetch(`${cp.url}/api/projects/shop/environments/production/deployments`, { method: 'POST', headers, body: JSON.stringify({}) });
    expect(res.status, await res.clone().text()).toBe(201);
    ids.second = ((await res.json()) as { deployment: { id: string } }).deployment.id;
    expect(await finished(ids.second)).toBe('succeeded');

    await page.getByRole('link', { name: 'History' }).click();
    await page.locator(`tr[data-deployment-id="${ids.second}"]`).waitFor();
    await page.locator(`tr[data-deployment-id="${ids.first}"]`).waitFor();
    await page.keyboard.press('/');
    await page.getByLabel('Search commit messages').fill('faster');
    await page.waitForURL(/q=faster/);
    await waitFor('only the matching deployment', async () => (await page.locator('tbody tr').count()) === 1);
    await expect(page.locator('tbody tr').textContent()).resolves.toContain(sha.slice(0, 7));
    await page.getByLabel('Search commit messages').fill('');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No deployments match these filters.').waitFor();
    await page.getByLabel('Status').selectOption('succeeded');
    await page.getByLabel('Environment').selectOption('production');
    await waitFor('both deployments', async () => (await page.locator('tbody tr').count()) === 2);
    shots.push(await screenshot(page, 'history'));
  });

  it('rolls back to the first release from history, with a confirmation of what changes', async () => {
    await page.locator(`tr[data-deployment-id="${ids.first}"]`).getByRole('button', { name: 'Roll back to this' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back shop / production' });
    await dialog.getByTestId('rollback-summary').waitFor();
    await expect(dialog.getByTestId('rollback-summary').textContent()).resolves.toContain('First release of the shop');
    shots.push(await screenshot(page, 'rollback-dialog'));
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(ids.first!) && /\/deployments\/[^/]+$/.test(url.pathname));
    ids.rollback = idFromUrl(page.url());
    await page.getByRole('heading', { name: /Rollback of/ }).waitFor();
    expect(await finished(ids.rollback)).toBe('succeeded');
    await page.locator('h1 [data-status="succeeded"]').waitFor();
    shots.push(await screenshot(page, 'rollback-deployment'));
  });

  it('Roll back… on the project page starts on the release live before the current one (as `devflow rollback`)', async () => {
    await page.goto(`${cp.url}/projects/shop`);
    await page.locator('[data-environment="production"]').getByRole('button', { name: 'Roll back…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back shop / production' });
    await dialog.getByTestId('rollback-summary').waitFor();
    await expect(dialog.getByTestId('rollback-summary').textContent()).resolves.toContain('Second release: faster checkout');
    await expect(dialog.locator(`[data-deployment-id="${ids.second}"] input`).isChecked()).resolves.toBe(true);
    await expect(dialog.getByRole('button', { name: 'Roll back' }).isEnabled()).resolves.toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('cancels a queued deployment from the queue page while another one runs', async () => {
    repo.commit('Slow release for the queue', { lines: 400, delayMs: 100 });
    await page.goto(`${cp.url}/projects/shop`);
    const deploy = async () => {
      await page.locator('[data-environment="production"]').getByRole('button', { name: 'Deploy' }).click();
      const dialog = page.getByRole('dialog', { name: 'Deploy shop to production' });
      // The branch list may be a few seconds old; deploying the branch resolves its head afresh.
      await dialog.getByRole('listbox', { name: 'Recent commits' }).getByRole('option').first().waitFor();
      await dialog.getByRole('button', { name: /^Deploy main/ }).click();
      await page.waitForURL(/\/deployments\/[^/]+$/);
      await page.locator('.page-header', { hasText: 'Slow release for the queue' }).waitFor();
      return idFromUrl(page.url());
    };
    ids.slow = await deploy();
    await waitFor('slow deployment running', async () => (await deploymentStatus(ids.slow!)) === 'running');
    await page.goto(`${cp.url}/projects/shop`);
    // Same commit as the running one, so force: the engine would otherwise skip a duplicate.
    await page.locator('[data-environment="production"]').getByRole('button', { name: 'Deploy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deploy shop to production' });
    await dialog.getByLabel('Force').check();
    await dialog.getByRole('button', { name: /^Deploy main/ }).click();
    await page.waitForURL(/\/deployments\/[^/]+$/);
    ids.queued = idFromUrl(page.url());
    await page.locator('h1 [data-status="queued"]').waitFor();

    // A hotfix queued behind it, which the admin moves to the front.
    repo.commit('Hotfix that jumps the queue', { lines: 5, delayMs: 10 });
    const res = await fetch(`${cp.url}/api/projects/shop/environments/production/deployments`, { method: 'POST', headers, body: JSON.stringify({ force: true }) });
    expect(res.status, await res.clone().text()).toBe(201);
    const hotfix = ((await res.json()) as { deployment: { id: string } }).deployment.id;

    await page.getByRole('link', { name: 'Queue' }).click();
    const queued = page.locator(`li[data-deployment-id="${ids.queued}"][data-status="queued"]`);
    await queued.waitFor();
    await page.locator(`li[data-deployment-id="${ids.slow}"][data-status="running"]`).waitFor();
    const order = () => page.locator('li.queue-item[data-status="queued"]').evaluateAll((els) => els.map((el) => el.getAttribute('data-deployment-id')));
    await waitFor('two queued deployments', async () => (await order()).length === 2);
    expect(await order()).toEqual([ids.queued, hotfix]);
    shots.push(await screenshot(page, 'queue'));
    await page.locator(`li[data-deployment-id="${hotfix}"]`).getByRole('button', { name: 'Move to front' }).click();
    await waitFor('the hotfix first', async () => JSON.stringify(await order()) === JSON.stringify([hotfix, ids.queued]));

    for (const id of [ids.queued, hotfix]) {
      await page.locator(`li[data-deployment-id="${id}"]`).getByRole('button', { name: 'Cancel' }).click();
      await page.locator(`li[data-deployment-id="${id}"]`).waitFor({ state: 'detached' });
      expect(await deploymentStatus(id)).toBe('cancelled');
    }

    // And the running one from its own page.
    await page.goto(`${cp.url}/deployments/${ids.slow}`);
    await page.getByRole('button', { name: 'Cancel deployment' }).click();
    await page.locator('h1 [data-status="cancelled"]').waitFor({ timeout: 30_000 });
  });

  it('sends an expired session to the login page and back to where the user was', async () => {
    await page.goto(`${cp.url}/projects/shop`);
    await page.locator('[data-environment="production"]').waitFor();
    // The project's recent deployments name their environment (the API sends only its id).
    await expect(page.locator('tbody tr').first().textContent()).resolves.toContain('production');
    await page.context().clearCookies();
    await page.getByRole('main').getByRole('link', { name: 'History' }).click();
    await page.waitForURL(/\/login\?next=/);
    await page.getByText('Your session ended.').waitFor();
    await page.getByLabel('Email').fill(E2E_ADMIN_EMAIL);
    await page.getByLabel('Password').fill(E2E_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/deployments' && url.searchParams.get('project') === 'shop');
    await page.locator('tbody tr').first().waitFor();
  });

  it('shows the main pages on a 390px screen', async () => {
    await page.goto(`${cp.url}/`);
    shots.push(await screenshot(page, 'dashboard'));
    const phone = await openPage(browser, PHONE);
    await logIn(phone.page, cp.url);
    for (const [path, name] of [
      ['/', 'dashboard'],
      ['/projects/shop', 'project'],
      [`/deployments/${ids.first}`, 'deployment'],
      ['/deployments', 'history'],
      ['/queue', 'queue'],
      ['/servers', 'servers'],
    ] as const) {
      // Nothing may overflow the phone's width but scrollable regions (tables, the log).
      const overflow = await openLoaded(phone.page, cp.url, path);
      expect(overflow, `${path} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
      shots.push(await screenshot(phone.page, name));
    }
    expect(phone.pageErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
