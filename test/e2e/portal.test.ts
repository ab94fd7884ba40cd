import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { sql } from 'kysely';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SHOTS } from '../support/browser.js';
import { freePort } from '../support/free-port.js';
import { type Hookline, startHookline } from '../support/harness.js';

/**
 * Portal links in headless Chromium, the way a platform uses them (docs/portal.md): the platform's
 * settings page, served from its own origin, asks Hookline for a link server-side with the admin
 * token and shows it in an iframe. The framed dashboard shows the community's webhooks, cannot
 * reach its API keys, and lands on the sign-in page saying why once the link has expired or been
 * revoked. Expiry is not waited for: the session's expires_at is moved to a moment ago in the
 * database, which is what the clock would do in ttlSeconds (60 at least). A page on an origin
 * DASHBOARD_FRAME_ANCESTORS does not list cannot frame the dashboard at all.
 */

let hookline: Hookline;
let browser: Browser;
let page: Page;
let community: { communityId: string; key: string };
let platform: { server: Server; origin: string };
let stranger: { server: Server; origin: string };
const consoleLines: string[] = [];
const pageErrors: string[] = [];

/** The platform's community settings page: a link made server-side, in an iframe. */
function platformServer(port: number): Promise<{ server: Server; origin: string }> {
  const server = createServer(async (req, res) => {
    const communityId = /^\/settings\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    if (!communityId) {
      res.writeHead(404).end();
      return;
    }
    const made = await hookline.call('POST', `/v1/communities/${communityId}/portal-sessions`, { ttlSeconds: 600 });
    const url = made.body.data.url as string;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
      `<!doctype html><title>Acme platform: community settings</title>
       <body style="margin:0;font:14px system-ui;background:#f1f3f5">
       <div style="padding:12px 20px;background:#212529;color:#fff"><b>Acme platform</b> &rsaquo; Community settings &rsaquo; Webhooks</div>
       <iframe id="hookline" src="${url}" data-session="${made.body.data.id}" style="border:0;width:100%;height:760px;background:#fff"></iframe></body>`,
    );
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${port}` })));
}

beforeAll(async () => {
  const [platformPort, strangerPort] = [await freePort(), await freePort()];
  // only the platform's origin may frame the dashboard; PUBLIC_BASE_URL unset: links use the request's origin
  hookline = await startHookline({ DASHBOARD_FRAME_ANCESTORS: `http://127.0.0.1:${platformPort}` }, { worker: false });
  platform = await platformServer(platformPort);
  stranger = await platformServer(strangerPort);
  community = await hookline.newCommunity('Acme Guild');
  for (const [name, events] of [
    ['crm', ['user.joined']],
    ['shop', ['store.item.purchased', 'user.joined']],
  ] as const) {
    const made = await hookline.call('POST', '/v1/webhooks', { url: `http://127.0.0.1:9/${name}`, events, description: name }, community.key);
    expect(made.status).toBe(201);
  }
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  page.on('console', (message) => consoleLines.push(message.text()));
  page.on('pageerror', (error) => pageErrors.push(error.message));
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => platform?.server.close(r));
  await new Promise((r) => stranger?.server.close(r));
  await hookline?.stop();
});

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `portal-${name}.png`), fullPage: true });

/** Opens the platform's settings page; the framed dashboard and the id of the session it was given. */
async function openSettings(origin = platform.origin): Promise<{ frame: Frame; sessionId: string; link: string }> {
  await page.goto(`${origin}/settings/${community.communityId}`);
  const element = await page.waitForSelector('iframe#hookline');
  const sessionId = (await element.getAttribute('data-session'))!;
  const link = (await element.getAttribute('src'))!;
  const frame = (await element.contentFrame())!;
  return { frame, sessionId, link };
}

describe('portal links', () => {
  it('the dashboard may be framed by the origin in DASHBOARD_FRAME_ANCESTORS, and only by it', async () => {
    const response = await fetch(`${hookline.api.url}/dashboard`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`frame-ancestors ${platform.origin}`);
    expect(csp).not.toContain(stranger.origin);
    // X-Frame-Options would forbid the platform too: it is left out when an origin may frame
    expect(response.headers.get('x-frame-options')).toBeNull();
  });

  it('opens framed in the platform page signed in as the community, with the link taken out of the address', async () => {
    const { frame } = await openSettings();
    await frame.getByTestId('portal-badge').waitFor();
    expect(await frame.getByTestId('portal-badge').textContent()).toContain('portal session');
    await expect.poll(() => frame.getByTestId('webhook-item').count()).toBe(2);
    const items = await frame.getByTestId('webhook-item').allTextContents();
    expect(items.join(' ')).toContain('http://127.0.0.1:9/crm');
    expect(items.join(' ')).toContain('http://127.0.0.1:9/shop');
    await expect.poll(() => frame.locator('header').textContent()).toContain(community.communityId);
    // the token left the address at once (history, copied URLs); the link used the request's origin
    expect(new URL(frame.url()).hash).toBe('');
    expect(frame.url()).toBe(`${hookline.api.url}/dashboard`);
    // this frame is from another site (localhost in a 127.0.0.1 page): Chromium denies it
    // sessionStorage, and the dashboard keeps the session in memory instead
    expect(pageErrors).toEqual([]);
    await shot('embedded'); // docs/portal.png is a copy of it
  });

  it('opened on its own (not framed), keeps the session in the tab\'s sessionStorage, out of the address', async () => {
    const made = await hookline.call('POST', `/v1/communities/${community.communityId}/portal-sessions`, { ttlSeconds: 60 });
    await page.goto(made.body.data.url);
    await page.getByTestId('portal-badge').waitFor();
    await expect.poll(() => page.getByTestId('webhook-item').count()).toBe(2);
    expect(page.url()).toBe(`${hookline.api.url}/dashboard`);
    const token = new URL(made.body.data.url as string).hash.replace('#portal=', '');
    expect(await page.evaluate("sessionStorage.getItem('hookline.apiKey')")).toBe(token);
    // a reload stays signed in for the tab
    await page.reload();
    await page.getByTestId('portal-badge').waitFor();
    await page.getByTestId('sign-out').click();
    await page.getByTestId('api-key').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('hookline.apiKey')")).toBeNull();
  });

  it('cannot reach the API keys of the community', async () => {
    const { frame, link } = await openSettings();
    await frame.getByTestId('portal-badge').waitFor();
    // the dashboard offers no API keys page to a portal session; asked directly, the API refuses it
    const token = new URL(link).hash.replace('#portal=', '');
    const answer = (await frame.evaluate(`(async () => {
      const response = await fetch('/v1/communities/${community.communityId}/api-keys', { headers: { authorization: 'Bearer ${token}' } });
      return { status: response.status, body: await response.json() };
    })()`)) as { status: number; body: { message: string } };
    expect(answer.status).toBe(403);
    expect(answer.body.message).toBe('portal sessions cannot manage API keys');
    // a key of the same community is answered
    expect((await hookline.call('GET', `/v1/communities/${community.communityId}/api-keys`, undefined, community.key)).status).toBe(200);
  });

  it('after the link expires, lands on the sign-in page saying so', async () => {
    const { frame, sessionId } = await openSettings();
    await expect.poll(() => frame.getByTestId('webhook-item').count()).toBe(2);
    // what ttlSeconds would do: the session ends a moment ago, by the database's clock
    await hookline.db.updateTable('portal_sessions').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', sessionId).execute();
    // the dashboard's next refresh (every 3 s) is answered 401, and signs out
    await frame.getByTestId('signed-out-notice').waitFor({ timeout: 15_000 });
    expect(await frame.getByTestId('signed-out-notice').textContent()).toBe('Your portal link has expired. Open a new link from your community settings.');
    expect(await frame.getByTestId('api-key').count()).toBe(1);
    await shot('expired');
  });

  it('a revoked link the same, saying it was revoked', async () => {
    const { frame } = await openSettings();
    await expect.poll(() => frame.getByTestId('webhook-item').count()).toBe(2);
    const revoked = await hookline.call('DELETE', `/v1/communities/${community.communityId}/portal-sessions`, {});
    expect(revoked.body.data.revoked).toBeGreaterThanOrEqual(1);
    await frame.getByTestId('signed-out-notice').waitFor({ timeout: 15_000 });
    expect(await frame.getByTestId('signed-out-notice').textContent()).toBe('Your portal link was revoked. Open a new link from your community settings.');
    await shot('revoked');
  });

  it('a page on another origin cannot frame the dashboard', async () => {
    consoleLines.splice(0);
    const { frame } = await openSettings(stranger.origin);
    // the browser blocked it for the dashboard's frame-ancestors, and shows its error page instead
    await expect
      .poll(() => consoleLines.some((l) => /violates the following Content Security Policy directive: "frame-ancestors http:\/\/127\.0\.0\.1:\d+"/.test(l)), { timeout: 10_000 })
      .toBe(true);
    expect(frame.url()).toMatch(/^chrome-error:/);
    expect(await frame.locator('[data-testid="portal-badge"], [data-testid="api-key"]').count()).toBe(0);
    await shot('refused-elsewhere');
  });
});
