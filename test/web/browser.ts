import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD } from '../helpers/control-plane.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Debian's Chromium driven by playwright-core for the console tests and the console
 * benchmark. Everything it loads comes from the control plane on 127.0.0.1.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = `${REPO_ROOT}test/artifacts`;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * A page that fails the test on uncaught page errors; console errors are collected for the
 * test to inspect (a 401 before login, or a 4xx the test provokes, is expected).
 */
export async function openPage(browser: Browser, viewport = DESKTOP): Promise<{ page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { page, pageErrors };
}

export async function logIn(page: Page, url: string, path = '/'): Promise<void> {
  await page.goto(url + path);
  await page.getByLabel('Email').fill(E2E_ADMIN_EMAIL);
  await page.getByLabel('Password').fill(E2E_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.topbar').waitFor();
}

/**
 * Opens `path` and waits until the page has loaded (no loading state left); answers by how many
 * pixels the document is wider than the viewport (0 or less: nothing overflows but scrollable
 * regions such as tables and the log).
 */
export async function openLoaded(page: Page, url: string, path: string): Promise<number> {
  await page.goto(url + path);
  await page.locator('.page').waitFor();
  await waitFor(`${path} loaded`, async () => (await page.locator('.state-loading').count()) === 0);
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Full-page screenshot under test/artifacts/ (git-ignored) for a reviewer to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  const path = `${ARTIFACTS}/${name}-${width}.png`;
  // From the top, so the sticky header is not painted over the middle of a full-page shot.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}
