import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardPage, launchChromium, SHOTS } from '../support/browser.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * The dashboard as the whole settings page, in headless Chromium against a real Hookline: every
 * webhook field through the form (custom headers as a merge patch), the delivery list's filters and
 * pages, a delivery's attempts paged, a bulk replay with its progress, a Retry-After pause and a
 * webhook disabled by a 410. Screenshots go to test-artifacts/screenshots/ (docs/dashboard-*.png
 * are copies of some).
 *
 * The retry schedule is 22 steps of 50 ms, so a delivery the receiver refuses makes 23 real attempts
 * in a few seconds: more than the 20 a delivery read shows. BULK_REPLAY_RATE 1 keeps a replay job
 * running for a few seconds, long enough to see it run and to start a second one (a 409).
 */
const ATTEMPTS_PER_FAILURE = 23;
const ENCRYPTION_KEY = 'k'.repeat(16) + '0123456789abcdef';
const SECRET_VALUE = 'gw_live_51fSecretValue';

let hookline: Hookline;
let receiver: TestReceiver;
let browser: Browser;
let page: Page;
let community: { communityId: string; key: string };
let examples: Record<string, unknown>;
let offsite: string[];
let refusedByCsp: string[];
/** Whether /orders refuses user.visited (until the replay). */
let ordersFailing = true;

beforeAll(async () => {
  hookline = await startHookline({
    DELIVERY_RETRY_SCHEDULE: Array.from({ length: ATTEMPTS_PER_FAILURE - 1 }, () => '50ms').join(','),
    BULK_REPLAY_RATE: '1',
  });
  receiver = await TestReceiver.start();
  receiver.responder = (a) => {
    if (a.path === '/orders' && ordersFailing && a.headers[HEADER.eventType] === 'user.visited') return { status: 500, body: 'orders db down' };
    if (a.path === '/busy') return { status: 429, headers: { 'retry-after': '120' }, body: 'slow down' };
    if (a.path === '/gone') return { status: 410, body: 'this endpoint was retired' };
    return { status: 200, body: 'ok' };
  };
  community = await hookline.newCommunity('Globex');
  const catalog = await hookline.call('GET', '/v1/event-types', undefined, community.key);
  examples = Object.fromEntries((catalog.body.data as { type: string; example: unknown }[]).map((t) => [t.type, t.example]));
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
const at = (pathName: string) => receiver.url.replace('/hook', pathName);
const webhooks = async () => (await hookline.call('GET', '/v1/webhooks', undefined, community.key)).body.data as any[];
const webhookAt = async (pathName: string) => (await webhooks()).find((w) => w.url === at(pathName));
/** A datetime-local value (this machine's time zone, the browser's too), to the minute. */
const localMinute = (date: Date) => {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
};
async function emit(type: string, data: unknown = examples[type]) {
  const sent = await hookline.call('POST', '/v1/events', { type, data }, community.key);
  expect(sent.status).toBe(202);
}
/** Shows the webhook at that path: a fresh load of the page reads the list again (the key stays in the tab). */
async function openWebhook(pathName: string) {
  await page.reload();
  await page.locator('[data-testid="webhook-item"]', { hasText: pathName }).click();
  await expect.poll(() => page.getByTestId('webhook-title').textContent()).toBe(at(pathName));
}

describe('dashboard settings', () => {
  it('creates a webhook with every field, and the API reads each back', async () => {
    await page.goto(`${hookline.api.url}/dashboard`);
    await page.getByTestId('api-key').fill(community.key);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('new-webhook').first().click();

    await page.getByTestId('webhook-url').fill(at('/all-fields'));
    await page.getByTestId('webhook-description').fill('Everything set');
    await page.getByTestId('webhook-format').selectOption('xml');
    await page.getByTestId('webhook-active').uncheck();
    // operational events are in the catalog too, apart
    await page.getByTestId('event-webhook.disabled').check();
    await page.getByTestId('event-webhook.enabled').check();
    await page.getByTestId('event-channel.message.posted').check();
    await page.getByTestId('webhook-channels').fill('c-announce, c-ops');
    await page.getByTestId('webhook-encryption').check();
    await page.getByTestId('webhook-algorithm').selectOption('aes-256-cbc');
    await page.getByTestId('webhook-key').fill(ENCRYPTION_KEY.slice(0, 20));
    expect(await page.getByTestId('webhook-key-length').textContent()).toBe('20/32');
    await page.getByTestId('webhook-key').fill(ENCRYPTION_KEY);
    expect(await page.getByTestId('webhook-key-length').textContent()).toBe('32/32');
    await page.getByTestId('add-header').click();
    await page.getByTestId('add-header').click();
    await page.getByTestId('add-header').click();
    await page.getByTestId('header-name').nth(0).fill('X-Api-Key');
    await page.getByTestId('header-value').nth(0).fill(SECRET_VALUE);
    await page.getByTestId('header-name').nth(1).fill('X-Tenant');
    await page.getByTestId('header-value').nth(1).fill('acme');
    // at most 20 headers, as the API allows; rows added by mistake are removed again
    for (let i = 3; i < 20; i++) await page.getByTestId('add-header').click();
    expect(await page.getByTestId('header-row').count()).toBe(20);
    expect(await page.getByTestId('add-header').isDisabled()).toBe(true);
    for (let i = 2; i < 20; i++) await page.getByTestId('header-remove').nth(2).click();
    expect(await page.getByTestId('header-row').count()).toBe(2);
    expect(await page.getByTestId('add-header').isDisabled()).toBe(false);
    await page.getByTestId('webhook-max-concurrency').fill('7');
    await page.getByTestId('webhook-rate-limit').fill('2.5');
    await page.getByTestId('webhook-ordering').selectOption('fifo');
    await shot('settings-01-form');
    await page.getByTestId('save-webhook').click();
    expect(await page.getByTestId('secret-value').textContent()).toMatch(/^whsec_/);
    await page.getByText('Dismiss').click();

    const list = await webhooks();
    expect(list).toHaveLength(1);
    const created = (await hookline.call('GET', `/v1/webhooks/${list[0].id}`, undefined, community.key)).body.data;
    expect(created).toMatchObject({
      url: at('/all-fields'),
      description: 'Everything set',
      format: 'xml',
      active: false,
      disabledReason: 'disabled',
      events: ['webhook.disabled', 'webhook.enabled', 'channel.message.posted'],
      channelIds: ['c-announce', 'c-ops'],
      encryption: { enabled: true, algorithm: 'aes-256-cbc' },
      headerNames: ['X-Api-Key', 'X-Tenant'],
      maxConcurrency: 7,
      rateLimitPerSecond: 2.5,
      ordering: 'fifo',
    });
    // neither the header's value nor the key is ever read back, by the API or on the page
    expect(JSON.stringify(created)).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(created)).not.toContain(ENCRYPTION_KEY);
    await expect.poll(() => page.getByTestId('webhook-header-names').textContent()).toContain('X-Api-Key');
    expect(await page.getByTestId('webhook-channel-ids').textContent()).toBe('c-announce, c-ops');
    expect(await page.content()).not.toContain(SECRET_VALUE);
    await expect.poll(() => page.getByTestId('flow-state').textContent()).toMatch(/0 in flight of 7 · 0 waiting · at most 2.5\/s · FIFO/);
  });

  it('explains a refused header, then edits the headers as a merge patch and the rest of the fields', async () => {
    const id = (await webhookAt('/all-fields')).id;
    await page.getByTestId('edit-webhook').click();
    // on edit the stored headers are listed by name, their values hidden
    const stored = page.getByTestId('stored-header');
    expect(await stored.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(['X-Api-Key', 'X-Tenant']);
    expect(await stored.first().textContent()).toContain('value hidden');

    await page.getByTestId('add-header').click();
    await page.getByTestId('header-name').fill('Host');
    await page.getByTestId('header-value').fill('evil.example');
    await page.getByTestId('save-webhook').click();
    await expect.poll(() => page.getByTestId('form-error').textContent()).toMatch(/headers\.Host/);
    await shot('settings-02-refused-header');
    // refused as a whole: nothing changed
    expect((await hookline.call('GET', `/v1/webhooks/${id}`, undefined, community.key)).body.data).toMatchObject({
      headerNames: ['X-Api-Key', 'X-Tenant'],
      description: 'Everything set',
    });

    await page.getByTestId('header-name').fill('X-Region');
    await page.getByTestId('header-value').fill('eu-west');
    await stored.filter({ hasText: 'X-Api-Key' }).getByTestId('stored-header-remove').click();
    await stored.filter({ hasText: 'X-Tenant' }).getByTestId('stored-header-set').click();
    await page.getByTestId('stored-header-value').fill('globex');
    await page.getByTestId('webhook-description').fill('Everything set (v2)');
    await page.getByTestId('webhook-format').selectOption('json');
    await page.getByTestId('webhook-active').check();
    await page.getByTestId('webhook-rate-limit').fill('');
    await page.getByTestId('webhook-ordering').selectOption('none');
    await page.getByTestId('webhook-max-concurrency').fill('3');
    await shot('settings-03-edit-headers');
    await page.getByTestId('save-webhook').click();
    await expect.poll(() => page.locator('.detail').textContent()).toContain('Everything set (v2)');

    const edited = (await hookline.call('GET', `/v1/webhooks/${id}`, undefined, community.key)).body.data;
    expect(edited).toMatchObject({
      description: 'Everything set (v2)',
      format: 'json',
      active: true,
      disabledReason: null,
      encryption: { enabled: true, algorithm: 'aes-256-cbc' },
      maxConcurrency: 3,
      rateLimitPerSecond: null,
      ordering: 'none',
    });
    expect([...edited.headerNames].sort()).toEqual(['X-Region', 'X-Tenant']);

    // what a receiver gets: the new value, the added header, not the removed one
    await page.getByTestId('send-test').click();
    const arrival = await eventually(async () => receiver.arrivals.find((a) => a.path === '/all-fields' && a.headers[HEADER.eventType] === 'webhook.test'));
    expect(arrival.headers['x-tenant']).toBe('globex');
    expect(arrival.headers['x-region']).toBe('eu-west');
    expect(arrival.headers['x-api-key']).toBeUndefined();

    // the attempt row lists the custom headers by name, their values redacted
    const row = rows().first();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
    await row.getByTestId('toggle-attempts').click();
    await page.locator('.request-headers summary').first().click();
    const tenant = page.locator('[data-testid="request-header"]', { hasText: /x-tenant/i });
    await expect.poll(() => tenant.textContent()).toMatch(/x-tenant\s*\[redacted\]/i);
    expect(await page.content()).not.toContain('globex');
    await shot('settings-04-attempt-headers');
  });

  let since: string;

  it('filters the deliveries by status, event type and time, a page of 20 at a time', async () => {
    const created = await hookline.call('POST', '/v1/webhooks', { url: at('/orders'), description: 'Orders', events: ['user.joined', 'user.visited'] }, community.key);
    expect(created.status).toBe(201);
    const ordersId = created.body.data.id as string;
    const start = new Date(Date.now() - 60_000);
    since = localMinute(start);
    for (let i = 0; i < 22; i++) {
      if (i % 5 === 4) await emit('user.visited', { user: { id: `u-${i}`, username: `visitor${i}` }, visitedAt: new Date().toISOString() });
      else await emit('user.joined', { user: { id: `u-${i}`, username: `member${i}` }, joinedAt: new Date().toISOString() });
    }
    // every delivery final: 18 succeeded, 4 failed after their whole schedule
    await eventually(
      async () => {
        const list = (await hookline.call('GET', `/v1/webhooks/${ordersId}/deliveries?limit=200`, undefined, community.key)).body.data as any[];
        const failed = list.filter((d) => d.status === 'failed');
        return list.length === 22 && failed.length === 4 && list.filter((d) => d.status === 'succeeded').length === 18 ? list : undefined;
      },
      60_000,
    );

    await openWebhook('/orders');
    await expect.poll(() => rows().count()).toBe(20);
    expect(await page.getByTestId('deliveries-shown').textContent()).toContain('20 shown, more older ones');
    await page.getByTestId('load-more').click();
    await expect.poll(() => rows().count()).toBe(22);
    expect(await page.getByTestId('load-more').count()).toBe(0);
    // the refresh keeps both pages
    await page.waitForTimeout(3500);
    expect(await rows().count()).toBe(22);

    await page.getByTestId('status-filter').selectOption('failed');
    await expect.poll(() => rows().count()).toBe(4);
    expect(await rows().evaluateAll((els) => els.map((e) => `${e.getAttribute('data-status')} ${e.getAttribute('data-event-type')}`))).toEqual(
      Array(4).fill('failed user.visited'),
    );
    await shot('settings-05-filtered');

    await page.getByTestId('status-filter').selectOption('');
    await page.getByTestId('event-filter').selectOption('user.joined');
    await expect.poll(() => rows().count()).toBe(18);
    expect(new Set(await rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-event-type'))))).toEqual(new Set(['user.joined']));
    expect(await page.getByTestId('load-more').count()).toBe(0);

    await page.getByTestId('status-filter').selectOption('succeeded');
    await page.getByTestId('event-filter').selectOption('user.visited');
    await page.getByTestId('no-deliveries').waitFor();
    expect(await page.getByTestId('no-deliveries').textContent()).toContain('No delivery matches these filters');

    // the time window: from a minute before the first of them, to a time before that (refused, readably)
    await page.getByTestId('clear-filters').click();
    await page.getByTestId('since-filter').fill(since);
    await expect.poll(() => rows().count()).toBe(20);
    await page.getByTestId('until-filter').fill(localMinute(new Date(start.getTime() - 120_000)));
    await expect.poll(() => page.getByTestId('filter-error').textContent()).toContain('until: must be later than since');
    await page.getByTestId('until-filter').fill(localMinute(new Date(start.getTime() + 10 * 60_000)));
    await expect.poll(() => rows().count()).toBe(20);
    await expect.poll(() => page.getByTestId('filter-error').count()).toBe(0);
    // and a window that ends before the first of them holds none
    await page.getByTestId('since-filter').fill(localMinute(new Date(start.getTime() - 10 * 60_000)));
    await page.getByTestId('until-filter').fill(since);
    await page.getByTestId('no-deliveries').waitFor();
    await page.getByTestId('clear-filters').click();
    await expect.poll(() => rows().count()).toBe(20);
  });

  it("pages through a delivery's attempts: the latest 20, then the older ones", async () => {
    await page.getByTestId('status-filter').selectOption('failed');
    await expect.poll(() => rows().count()).toBe(4);
    const row = rows().first();
    expect(await row.getByTestId('attempt-count').textContent()).toBe(String(ATTEMPTS_PER_FAILURE));
    await row.getByTestId('toggle-attempts').click();
    const attempts = page.locator('[data-testid="attempts"] [data-testid="attempt"]');
    await expect.poll(() => attempts.count()).toBe(20);
    expect(await page.getByTestId('attempts-shown').textContent()).toBe(`20 of ${ATTEMPTS_PER_FAILURE} attempts shown, newest first`);
    await page.getByTestId('older-attempts').click();
    await expect.poll(() => attempts.count()).toBe(ATTEMPTS_PER_FAILURE);
    expect(await attempts.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-attempt'))))).toEqual(
      Array.from({ length: ATTEMPTS_PER_FAILURE }, (_, i) => ATTEMPTS_PER_FAILURE - i),
    );
    expect(await page.getByTestId('older-attempts').count()).toBe(0);
    expect(await page.getByText('orders db down').count()).toBeGreaterThan(0);
    await shot('settings-06-attempts-paged');
    await row.getByTestId('toggle-attempts').click();
  });

  it('replays the failed deliveries since a time, with the job’s progress; a second job while it runs is a 409', async () => {
    ordersFailing = false;
    await page.getByTestId('replay-since').fill(since);
    await page.getByTestId('replay-failed').click();
    const job = page.getByTestId('replay-job');
    await job.waitFor();
    const jobId = await job.getAttribute('data-job-id');
    expect(jobId).toMatch(/^job_/);
    // BULK_REPLAY_RATE 1: the 4 replays take seconds; a second start meanwhile is refused, and the running job followed
    await page.getByTestId('replay-failed').click();
    await expect.poll(() => page.getByTestId('replay-message').textContent()).toContain('already running');
    expect(await page.getByTestId('replay-message').textContent()).toContain(jobId);
    expect(await job.getAttribute('data-job-id')).toBe(jobId);
    await shot('settings-07-replay-running');

    await expect.poll(() => job.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('replay-counts').textContent()).toContain('4 of 4 replayed');
    expect(await page.getByTestId('replay-percent').textContent()).toBe('100%');
    const read = await hookline.call('GET', `/v1/replay-jobs/${jobId}`, undefined, community.key);
    expect(read.body.data).toMatchObject({ status: 'completed', total: 4, done: 4, failed: 0 });

    // each replayed delivery succeeds now: the failed filter empties, and the API agrees
    await page.getByTestId('no-deliveries').waitFor({ timeout: 30_000 });
    await page.getByTestId('status-filter').selectOption('succeeded');
    await expect.poll(() => rows().count()).toBe(20);
    const ordersId = (await webhookAt('/orders')).id;
    const all = (await hookline.call('GET', `/v1/webhooks/${ordersId}/deliveries?limit=200`, undefined, community.key)).body.data as any[];
    expect(all.map((d) => d.status)).toEqual(Array(22).fill('succeeded'));
    await shot('settings-08-replay-done');
  });

  it('shows a pause the receiver asked for with Retry-After', async () => {
    const created = await hookline.call('POST', '/v1/webhooks', { url: at('/busy'), description: 'Busy receiver', events: ['message.posted'] }, community.key);
    expect(created.status).toBe(201);
    await emit('message.posted');
    await eventually(async () => {
      const read = (await hookline.call('GET', `/v1/webhooks/${created.body.data.id}`, undefined, community.key)).body.data;
      return read.flow.pausedUntil ? read : undefined;
    });
    await openWebhook('/busy');
    await expect.poll(() => page.getByTestId('flow-paused').textContent()).toContain('paused by the receiver until');
    expect(await page.getByTestId('flow-paused-note').textContent()).toMatch(/Retry-After: no attempt goes to this webhook until .* \(1[012]\d s from now\)/);
    await shot('settings-09-paused');
  });

  it('shows why Hookline disabled a webhook: 410 Gone', async () => {
    const created = await hookline.call('POST', '/v1/webhooks', { url: at('/gone'), events: ['store.item.purchased'] }, community.key);
    expect(created.status).toBe(201);
    await emit('store.item.purchased');
    await eventually(async () => {
      const read = (await hookline.call('GET', `/v1/webhooks/${created.body.data.id}`, undefined, community.key)).body.data;
      return read.active === false && read.disabledReason === 'gone' ? read : undefined;
    });
    await openWebhook('/gone');
    await expect.poll(() => page.getByTestId('disabled-reason').textContent()).toContain('410 Gone');
    expect(await page.getByTestId('disabled-reason').getAttribute('data-reason')).toBe('gone');
    expect(await page.getByTestId('toggle-webhook').textContent()).toBe('Enable');
    await shot('settings-10-disabled-gone');
    expect(offsite).toEqual([]);
    expect(refusedByCsp).toEqual([]);
  });
});
