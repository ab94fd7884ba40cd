import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { DASHBOARD_DIST } from '../../src/api/dashboard.js';

/**
 * What the browser tests (test/e2e) share: Debian's Chromium through playwright-core (no browser
 * download; CHROMIUM_PATH overrides /usr/bin/chromium), the dashboard built when a run straight
 * after a clone has not built it yet, and the screenshots' folder.
 */
export const SHOTS = path.resolve('test-artifacts/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Builds the dashboard if needed (`npm run setup` does), makes the screenshots' folder, starts Chromium. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(path.join(DASHBOARD_DIST, 'index.html'))) execFileSync('npm', ['run', 'build:dashboard'], { stdio: 'inherit' });
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/**
 * A dashboard page that accepts confirmation dialogs and records what a user would object to:
 * requests that leave Hookline's origin (it must work offline) and what its Content-Security-Policy
 * refused (the pages' own code must need nothing it forbids).
 */
export async function dashboardPage(browser: Browser, origin: string): Promise<{ page: Page; offsite: string[]; refusedByCsp: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const offsite: string[] = [];
  const refusedByCsp: string[] = [];
  page.on('dialog', (dialog) => void dialog.accept());
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) refusedByCsp.push(message.text());
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(origin)) offsite.push(request.url());
  });
  return { page, offsite, refusedByCsp };
}
