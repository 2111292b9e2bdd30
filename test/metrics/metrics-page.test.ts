import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestControlPlane, type TestControlPlane } from '../../control-plane/test-support/harness.js';
import { seedDeployments, seedEnvironment } from '../../control-plane/test-support/metrics/seed.js';
import { DESKTOP, PHONE, launchBrowser, openPage, screenshot } from '../web/browser.js';

/**
 * The console's Metrics page (/insights) in Chromium against a real control plane with known
 * deployments: tiles and charts from /api/metrics, filters in the URL, empty state, 390 px.
 */
let cp: TestControlPlane;
let browser: Browser;

const DAY = 86400_000;
const noon = (daysAgo: number) => {
  const d = new Date(Date.now() - daysAgo * DAY);
  d.setHours(12, 0, 0, 0);
  return d.getTime();
};

beforeAll(async () => {
  cp = await startTestControlPlane();
  const shop = await seedEnvironment(cp.services.db, 'shop', 'production');
  await seedEnvironment(cp.services.db, 'blog', 'production');
  await seedDeployments(cp.services.db, shop, [
    { id: 'w1', status: 'succeeded', createdAt: noon(3), durationS: 40 },
    { id: 'w2', status: 'failed', createdAt: noon(2), durationS: 20 },
    { id: 'w3', status: 'succeeded', createdAt: noon(2) + 600_000, durationS: 60 },
    { id: 'w4', status: 'succeeded', kind: 'rollback', createdAt: noon(1), durationS: 5 },
  ]);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await cp?.dispose();
});

async function signIn(page: Page, path: string): Promise<void> {
  await page.goto(cp.url + path);
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.topbar').waitFor();
}

const tile = (page: Page, label: string) => page.locator('.metric-tile', { hasText: label }).locator('.metric-value');

describe('Metrics page', () => {
  it('shows totals and draws the charts, and filters through the URL', async () => {
    const { page, pageErrors } = await openPage(browser, DESKTOP);
    await signIn(page, '/insights');
    await page.getByRole('link', { name: 'Metrics' }).click();
    await expect.poll(() => tile(page, 'Deployments').textContent()).toBe('4');
    expect(await tile(page, 'Success rate').textContent()).toBe('66.7%');
    expect(await tile(page, 'Rollbacks').textContent()).toBe('1');
    expect(await tile(page, 'Mean time to recovery').textContent()).not.toBe('—');
    // Four SVG charts; the stacked bars hold one rect per non-zero status in a bucket.
    expect(await page.locator('figure.chart svg').count()).toBe(4);
    expect(await page.locator('svg[aria-label^="Deployments per day"] rect').count()).toBe(4);
    await page.getByRole('heading', { name: 'Top deployers' }).waitFor();
    await page.getByRole('heading', { name: 'Failure reasons' }).waitFor();
    await screenshot(page, 'metrics');

    await page.getByLabel('Project').selectOption('blog');
    await page.getByText('No deployments in this range.').waitFor();
    expect(new URL(page.url()).searchParams.get('project')).toBe('blog');
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });

  it('fits a 390 px phone without horizontal scrolling', async () => {
    const { page, pageErrors } = await openPage(browser, PHONE);
    await signIn(page, '/insights');
    await expect.poll(() => tile(page, 'Deployments').textContent()).toBe('4');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'metrics');
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });

  it('shows the API error with a retry when the range is refused', async () => {
    const { page } = await openPage(browser, DESKTOP);
    await signIn(page, '/insights?from=2024-05-03&to=2024-05-01');
    await page.getByRole('alert').getByText(/is after to/).waitFor();
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(1);
    await page.context().close();
  });
});
