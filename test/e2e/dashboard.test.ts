import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardPage, launchChromium, SHOTS } from '../support/browser.js';
import { type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * The dashboard in headless Chromium (Debian's package) against a real Hookline: sign in with a
 * community key, create a webhook, send a test, see the delivery and its attempt, replay it.
 * Screenshots are kept in test-artifacts/screenshots/ (docs/dashboard.png is one of them).
 */

let hookline: Hookline;
let receiver: TestReceiver;
let browser: Browser;
let page: Page;
let community: { communityId: string; key: string };
let offsite: string[];
// what the pages' Content-Security-Policy refused (the pages must work under it: nothing may be)
let refusedByCsp: string[];

beforeAll(async () => {
  // `npm run setup` builds it; a test run straight after a clone builds it here
  hookline = await startHookline();
  receiver = await TestReceiver.start();
  community = await hookline.newCommunity('Acme Guild');
  browser = await launchChromium();
  // the dashboard must work offline (every request to Hookline itself) and under its CSP
  ({ page, offsite, refusedByCsp } = await dashboardPage(browser, hookline.api.url));
});
afterAll(async () => {
  await browser?.close();
  await receiver?.stop();
  await hookline?.stop();
});

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const rows = () => page.locator('[data-testid="delivery-row"]');

describe('dashboard', () => {
  it('is served with a CSP without inline script, frame-ancestors none, nosniff and a referrer policy', async () => {
    const response = await page.goto(`${hookline.api.url}/dashboard`);
    const headers = response!.headers();
    const csp = headers['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    // the policy is enforced by this browser: an inline script does not run on the page
    // (a string: this file is type-checked without the DOM's types)
    const ran = await page.evaluate(
      "(() => { const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true'; document.body.appendChild(s); return window.__inlineRan === true; })()",
    );
    expect(ran).toBe(false);
    // and the browser reported the refusal, so the listener the later tests rely on does see them
    await expect.poll(() => refusedByCsp.some((m) => /inline script/i.test(m))).toBe(true);
    refusedByCsp.splice(0); // that refusal was the point; the pages' own code must cause none
  });

  it('refuses a wrong key and signs in with a community key', async () => {
    await page.goto(`${hookline.api.url}/dashboard`);
    await page.getByTestId('api-key').fill('hk_wrong_key');
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('invalid, revoked or disabled credential');
    await page.getByTestId('api-key').fill(community.key);
    await page.getByTestId('sign-in').click();
    await page.getByText('Register your first webhook').waitFor();
    await shot('01-signed-in-empty');
  });

  it('creates a webhook and shows its secret once', async () => {
    await page.getByTestId('new-webhook').click();
    await page.getByTestId('webhook-url').fill(`${receiver.url.replace('/hook', '/crm')}`);
    await page.getByTestId('webhook-description').fill('CRM sync');
    await page.getByTestId('event-user.joined').check();
    await page.getByTestId('event-store.item.purchased').check();
    await page.getByTestId('webhook-max-concurrency').fill('4');
    await page.getByTestId('webhook-rate-limit').fill('20');
    await page.getByTestId('save-webhook').click();
    const secret = await page.getByTestId('secret-value').textContent();
    expect(secret).toMatch(/^whsec_/);
    await expect.poll(() => page.getByTestId('webhook-title').textContent()).toContain('/crm');
    // the API tells a key its community only through what it owns
    await expect.poll(() => page.locator('header').textContent()).toContain(community.communityId);
    const stored = await hookline.call('GET', '/v1/webhooks', undefined, community.key);
    expect(stored.body.data).toHaveLength(1);
    expect(stored.body.data[0]).toMatchObject({
      description: 'CRM sync',
      events: ['user.joined', 'store.item.purchased'],
      active: true,
      maxConcurrency: 4,
      rateLimitPerSecond: 20,
      ordering: 'none',
    });
    // the flow control as it stands: nothing in flight of the 4 slots, nobody waiting
    await expect.poll(() => page.getByTestId('flow-state').textContent()).toMatch(/0 in flight of 4 · 0 waiting · at most 20\/s/);
    await shot('02-webhook-created');
    await page.getByText('Dismiss').click();
    expect(await page.getByTestId('secret-banner').count()).toBe(0);
  });

  it('sends a test and shows the delivery with its attempt and Temporal link', async () => {
    receiver.responder = () => ({ status: 200, body: 'thanks from the CRM' });
    await page.getByTestId('send-test').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toMatch(/Test event sent: delivery dlv_/);
    const row = rows().first();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
    const deliveryId = (await row.getAttribute('data-delivery-id'))!;
    expect(await row.locator('code').textContent()).toBe('webhook.test');
    expect(await row.getByTestId('temporal-link').getAttribute('href')).toContain(`/workflows/delivery-${deliveryId}`);
    await row.getByTestId('toggle-attempts').click();
    await expect.poll(() => page.getByTestId('response-body').first().textContent()).toContain('thanks from the CRM');
    expect(receiver.arrivals.filter((a) => a.headers[HEADER.webhookId] === deliveryId)).toHaveLength(1);
    await shot('03-test-delivered');
  });

  it('replays a delivery: a second attempt, same delivery id', async () => {
    const row = rows().first();
    const deliveryId = (await row.getAttribute('data-delivery-id'))!;
    await row.getByTestId('replay').click();
    await expect.poll(() => row.getByTestId('attempt-count').textContent(), { timeout: 20_000 }).toBe('2');
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
    await expect.poll(() => page.getByTestId('attempt').count()).toBe(2);
    const arrivals = receiver.arrivals.filter((a) => a.headers[HEADER.webhookId] === deliveryId);
    expect(arrivals.map((a) => a.headers[HEADER.attempt])).toEqual(['1', '2']);
    await shot('04-replayed');
  });

  it('charts successes and failures, and disables and re-enables the webhook', async () => {
    // a few real events, one of which the receiver refuses until the schedule is spent
    let calls = 0;
    receiver.responder = (a) => (a.headers[HEADER.eventType] === 'store.item.purchased' ? { status: 503, body: 'maintenance' } : { status: 200, body: `ok ${++calls}` });
    for (const user of ['ada', 'grace', 'linus']) {
      const sent = await hookline.call(
        'POST',
        '/v1/events',
        { type: 'user.joined', data: { user: { id: `u-${user}`, username: user }, joinedAt: '2026-11-29T12:00:00.000Z' } },
        community.key,
      );
      expect(sent.status).toBe(202);
    }
    const purchase = await hookline.call(
      'POST',
      '/v1/events',
      {
        type: 'store.item.purchased',
        data: {
          purchase: { id: 'p1', quantity: 1, price: 9.5, currency: 'USD' },
          item: { id: 'i1', name: 'Golden badge' },
          user: { id: 'u-ada', username: 'ada' },
          purchasedAt: '2026-11-29T12:00:00.000Z',
        },
      },
      community.key,
    );
    expect(purchase.status).toBe(202);
    await expect.poll(() => rows().count(), { timeout: 20_000 }).toBe(5);
    await expect.poll(() => page.locator('[data-testid="delivery-row"][data-status="failed"]').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.locator('[data-testid="delivery-row"][data-status="succeeded"]').count(), { timeout: 20_000 }).toBe(4);
    await expect.poll(() => page.getByTestId('delivery-chart').getAttribute('aria-label')).toBe('last hour: 4 succeeded, 1 failed');
    const failed = page.locator('[data-testid="delivery-row"][data-status="failed"]');
    await failed.getByTestId('toggle-attempts').click();
    await expect.poll(() => page.getByText('maintenance').count()).toBeGreaterThan(0);
    await shot('05-deliveries');

    await page.getByTestId('toggle-webhook').click();
    await expect.poll(() => page.getByTestId('toggle-webhook').textContent()).toBe('Enable');
    expect(await page.getByTestId('send-test').isDisabled()).toBe(true);
    const webhookId = (await hookline.call('GET', '/v1/webhooks', undefined, community.key)).body.data[0].id;
    expect((await hookline.call('GET', `/v1/webhooks/${webhookId}`, undefined, community.key)).body.data.active).toBe(false);
    await page.getByTestId('toggle-webhook').click();
    await expect.poll(() => page.getByTestId('toggle-webhook').textContent()).toBe('Disable');
  });

  it('edits the webhook and rotates its secret', async () => {
    await page.getByTestId('edit-webhook').click();
    await page.getByTestId('webhook-description').fill('CRM sync (v2)');
    await page.getByTestId('event-user.visited').check();
    await page.getByTestId('save-webhook').click();
    await expect.poll(() => page.locator('.detail').textContent()).toContain('CRM sync (v2)');
    const webhook = (await hookline.call('GET', '/v1/webhooks', undefined, community.key)).body.data[0];
    expect(webhook.events).toEqual(['user.joined', 'store.item.purchased', 'user.visited']);

    await page.getByTestId('rotate-secret').click();
    await expect.poll(() => page.getByTestId('secret-banner').textContent()).toContain('keeps signing until');
    expect(await page.getByTestId('secret-value').textContent()).toMatch(/^whsec_/);

    // a bad edit shows the API's reason in the form
    await page.getByTestId('edit-webhook').click();
    await page.getByTestId('event-user.joined').uncheck();
    await page.getByTestId('event-store.item.purchased').uncheck();
    await page.getByTestId('event-user.visited').uncheck();
    await page.getByTestId('save-webhook').click();
    await expect.poll(() => page.getByTestId('form-error').textContent()).toContain('events');
    await shot('06-validation-error');
    expect(offsite).toEqual([]);
    // the whole walk above ran under the CSP without it refusing anything
    expect(refusedByCsp).toEqual([]);
  });
});

describe('API docs page', () => {
  it('renders the OpenAPI document with nothing loaded from elsewhere', async () => {
    const docs = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const elsewhere: string[] = [];
    const refused: string[] = [];
    docs.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });
    docs.on('request', (request) => {
      if (!request.url().startsWith(hookline.api.url)) elsewhere.push(request.url());
    });
    const response = await docs.goto(`${hookline.api.url}/docs`);
    expect(response!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response!.headers()['x-content-type-options']).toBe('nosniff');
    await docs.locator('.swagger-ui .info .title').getByText('Hookline').waitFor();
    await docs.locator('.opblock-summary-path', { hasText: '/v1/webhooks/{id}/deliveries' }).first().waitFor();
    await docs.screenshot({ path: path.join(SHOTS, '07-api-docs.png') });
    expect(elsewhere).toEqual([]);
    // Swagger UI works under the same policy: nothing refused
    expect(refused).toEqual([]);
    await docs.close();
  });
});
