import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../helpers/agent.js';
import { Api } from '../helpers/api.js';
import { adminSession, startControlPlaneProcess, type RunningControlPlane } from '../helpers/control-plane.js';
import { freePort } from '../helpers/net.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { DESKTOP, launchBrowser, logIn, openPage, screenshot } from './browser.js';
import { createAppRepo, type AppRepo } from './fixtures/app-repo.js';

/**
 * What a walk through the console found (issue 18), each defect as the user met it, against a
 * real control plane and a real agent: rollbacks offer only releases still on disk that went
 * live, preselect exactly the one clicked and say up front what the server would refuse.
 */
let cp: RunningControlPlane;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let headers: Record<string, string>;
let repo: AppRepo;
const ENV = '/api/projects/shop/environments/production';
/** Deployments in order: three good ones (keep = 2 prunes the first), then a failed build. */
const deps: { id: string; sha: string }[] = [];

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(cp.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function deploy(message: string, exitCode = 0): Promise<{ id: string; sha: string; status: string }> {
  // A different line count each time, so every commit changes the tree.
  const sha = repo.commit(message, { lines: 2 + deps.length, delayMs: 5, exitCode });
  const { deployment } = await api<{ deployment: { id: string } }>('POST', `${ENV}/deployments`, { commit: sha });
  const status = await waitFor(`deployment ${deployment.id} to finish`, async () => {
    const d = (await api<{ deployment: { status: string; finishedAt: unknown } }>('GET', `/api/deployments/${deployment.id}`)).deployment;
    return d.finishedAt ? d.status : undefined;
  }, 60_000, 200);
  return { id: deployment.id, sha, status };
}

const row = (id: string) => page.locator(`tr[data-deployment-id="${id}"]`);

beforeAll(async () => {
  repo = createAppRepo();
  cp = await startControlPlaneProcess();
  headers = await adminSession(cp.url);
  const server = await startAgent(new Api(cp.url, headers), 'web-1', '127.0.0.1', 30_000);
  await api('POST', '/api/projects', { name: 'shop', repositoryUrl: repo.dir, preset: 'custom' });
  await api('POST', '/api/projects/shop/environments', { name: 'production', port: await freePort(), startCommand: 'node server.js', serverIds: [server.id], keepReleases: 2 });
  await api('PATCH', ENV, { pipeline: { build: 'node build.js' } });
  for (const message of ['Release one', 'Release two', 'Release three']) {
    const d = await deploy(message);
    expect(d.status, message).toBe('succeeded');
    deps.push(d);
  }
  const broken = await deploy('Release four breaks the build', 3);
  expect(broken.status).toBe('failed');
  deps.push(broken);
  browser = await launchBrowser();
  ({ page, pageErrors } = await openPage(browser, DESKTOP));
  await logIn(page, cp.url);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopAll();
  removeTempDirs();
});

describe('issue 18: rollbacks from history and the rollback dialog', () => {
  it('defect 1: offers "Roll back to this" only for releases still on disk and preselects exactly the one clicked', async () => {
    const [one, two, three] = deps;
    await page.goto(`${cp.url}/deployments?project=shop`);
    await row(two!.id).getByRole('button', { name: 'Roll back to this' }).waitFor();
    // Release one was pruned (keep = 2): no button, and the row says why.
    await expect(row(one!.id).getByRole('button', { name: 'Roll back to this' }).count()).resolves.toBe(0);
    await expect(row(one!.id).locator('[data-rollback="pruned"]').textContent()).resolves.toBe('not on disk');

    await row(two!.id).getByRole('button', { name: 'Roll back to this' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back shop / production' });
    const summary = dialog.getByTestId('rollback-summary');
    await summary.waitFor();
    await expect(summary.textContent()).resolves.toContain(`${three!.sha.slice(0, 7)} → ${two!.sha.slice(0, 7)}`);
    await expect(dialog.locator(`[data-deployment-id="${two!.id}"] input`).isChecked()).resolves.toBe(true);
    await screenshot(page, 'issue18-rollback-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('defect 2: the rollback list shows releases that went live; the failed build waits behind "Show failed"', async () => {
    const [, two, three, four] = deps;
    await page.goto(`${cp.url}/projects/shop`);
    await page.locator('[data-environment="production"]').getByRole('button', { name: 'Roll back…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back shop / production' });
    await dialog.getByTestId('rollback-summary').waitFor();
    const listed = () => dialog.locator('label[data-deployment-id]').evaluateAll((els) => els.map((el) => el.getAttribute('data-deployment-id')));
    expect(await listed()).toEqual([three!.id, two!.id]);
    await dialog.getByRole('button', { name: 'Show failed (1)' }).click();
    const failed = dialog.locator(`label[data-deployment-id="${four!.id}"]`);
    await failed.waitFor();
    await expect(failed.getByTestId('refusal').textContent()).resolves.toBe('never went live');
    await expect(failed.locator('input').isDisabled()).resolves.toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('defect 6: the release already live is refused up front, in history and in the dialog', async () => {
    const [, , three] = deps;
    await page.goto(`${cp.url}/deployments?project=shop`);
    const live = row(three!.id).locator('[data-rollback="already_live"]');
    await live.waitFor();
    await expect(live.textContent()).resolves.toBe('live now');
    await expect(live.getAttribute('title')).resolves.toContain('already live');
    await expect(row(three!.id).getByRole('button', { name: 'Roll back to this' }).count()).resolves.toBe(0);

    // Its own page offers rolling back *from* it, to the release before.
    await page.goto(`${cp.url}/deployments/${three!.id}`);
    await page.getByRole('button', { name: 'Roll back…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back shop / production' });
    await dialog.getByTestId('rollback-summary').waitFor();
    const liveOption = dialog.locator(`label[data-deployment-id="${three!.id}"]`);
    await expect(liveOption.getByTestId('refusal').textContent()).resolves.toBe('already live');
    await expect(liveOption.locator('input').isDisabled()).resolves.toBe(true);
    await expect(dialog.getByTestId('rollback-summary').textContent()).resolves.toContain('Release two');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(pageErrors).toEqual([]);
  });
});
