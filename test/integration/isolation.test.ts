import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADER } from '../../src/wire/headers.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * Isolation (docs/flow-control.md#isolation): while another community has 400 deliveries whose
 * receiver hangs until the delivery timeout, a healthy webhook's p99 from the 202 to the arrival
 * stays within 2 s and within 5 × its p99 with no such neighbour; the same when the 400 are spread
 * over 20 webhooks of that community. Default settings (15 s delivery timeout, maxConcurrency 10,
 * the default schedule), one worker.
 */
const DEFAULTS = { DELIVERY_TIMEOUT_MS: '15000', DELIVERY_RETRY_SCHEDULE: '5s,5m,30m,2h,5h,10h,10h', DELIVERY_RETRY_JITTER: '0.2' };

let hookline: Hookline | undefined;
let healthy: TestReceiver | undefined;
let hanging: TestReceiver | undefined;
afterEach(async () => {
  await hookline?.stop();
  await healthy?.stop();
  await hanging?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** `count` events to the healthy community at `perSecond`, each timed from its 202 to its arrival. */
async function healthyLatencies(h: Hookline, key: string, rx: TestReceiver, count: number, perSecond: number): Promise<number[]> {
  const accepted = new Map<string, number>();
  const started = Date.now();
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      await sleep(started + (i * 1000) / perSecond - Date.now());
      const emitted = await h.call('POST', '/v1/events', { type: 'user.joined', data: { user: { id: `b-${i}-${Date.now()}`, username: 'bea' }, joinedAt: '2026-11-29T10:00:00Z' } }, key);
      expect(emitted.status).toBe(202);
      accepted.set(emitted.body.data.deliveries[0].id, Date.now());
    }),
  );
  const arrivals = await eventually(async () => {
    const got = new Map(rx.arrivals.map((a) => [a.headers[HEADER.webhookId]!, a.at]));
    return [...accepted.keys()].every((id) => got.has(id)) ? got : undefined;
  }, 120_000);
  return [...accepted].map(([id, at]) => Math.max(0, arrivals.get(id)! - at));
}

async function scenario(spreadOver: number) {
  hookline = await startHookline(DEFAULTS);
  healthy = await TestReceiver.start();
  hanging = await TestReceiver.start();
  hanging.responder = () => 'hang';
  const b = await hookline.newCommunity('healthy neighbour');
  const a = await hookline.newCommunity('hanging neighbour');
  expect((await hookline.call('POST', '/v1/webhooks', { url: healthy.url, events: ['user.joined'] }, b.key)).status).toBe(201);
  const hangingIds: string[] = [];
  const neighbourInFlight: number[] = [];
  for (let i = 0; i < spreadOver; i++) {
    const created = await hookline.call('POST', '/v1/webhooks', { url: `${hanging.url}?w=${i}`, events: ['store.item.purchased'] }, a.key);
    expect(created.status).toBe(201);
    hangingIds.push(created.body.data.id);
  }

  await healthyLatencies(hookline, b.key, healthy, 20, 20); // warm-up
  const alone = await healthyLatencies(hookline, b.key, healthy, 60, 20);

  // 400 deliveries to receivers that never answer, posted as fast as the platform would
  const perWebhook = 400 / spreadOver;
  let n = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (n < perWebhook) {
        const i = n++;
        const emitted = await hookline!.call(
          'POST',
          '/v1/events',
          {
            type: 'store.item.purchased',
            data: {
              purchase: { id: `p${i}`, quantity: 1, price: 1, currency: 'USD' },
              item: { id: 'itm', name: 'badge' },
              user: { id: 'u', username: 'al' },
              purchasedAt: '2026-11-29T10:00:00Z',
            },
          },
          a.key,
        );
        expect(emitted.status).toBe(202);
        expect(emitted.body.data.deliveries).toHaveLength(spreadOver);
      }
    }),
  );
  // the steady state: every hanging webhook has its slots full of hung attempts (as many as its
  // adaptive limit, which the timeouts halve), and each of the 400 has asked for a slot (it holds
  // one, waits in the queue, or was attempted and waits for its retry)
  await eventually(async () => {
    const flows = await Promise.all(hangingIds.map(async (id) => (await hookline!.call('GET', `/v1/webhooks/${id}`, undefined, a.key)).body.data.flow));
    neighbourInFlight.push(...flows.map((f) => f.inFlight));
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from deliveries d join webhook_flow f on f.webhook_id = d.webhook_id
      where d.webhook_id in (${sql.join(hangingIds)})
        and (d.attempt_count >= 1 or f.leases ? d.id or exists (select 1 from flow_waiters q where q.delivery_id = d.id))`.execute(hookline!.db);
    return flows.every((f) => f.inFlight === f.effectiveConcurrency) && rows[0]!.n === 400 ? true : undefined;
  }, 120_000, 1000);
  const hungBefore = hanging.arrivals.length;
  // sampled again while the healthy deliveries are measured
  const sampling = setInterval(() => {
    void Promise.all(hangingIds.map(async (id) => (await hookline!.call('GET', `/v1/webhooks/${id}`, undefined, a.key)).body.data?.flow?.inFlight))
      .then((seen) => neighbourInFlight.push(...seen.filter((n): n is number => typeof n === 'number')))
      .catch(() => undefined);
  }, 1000);

  const beside = await healthyLatencies(hookline, b.key, healthy, 60, 20).finally(() => clearInterval(sampling));
  const figures = {
    spreadOver,
    aloneP50: percentile(alone, 50),
    aloneP99: percentile(alone, 99),
    besideP50: percentile(beside, 50),
    besideP99: percentile(beside, 99),
    hangingAttempts: hanging.arrivals.length,
    hangingAttemptsWhileMeasured: hanging.arrivals.length - hungBefore,
  };
  process.stdout.write(`isolation ${JSON.stringify(figures)}\n`);
  // Isolated, not merely slower: every healthy delivery arrived while the neighbour's attempts hung,
  // none of them after waiting for a hung attempt to time out (a shared capacity makes them wait
  // for timeouts: before flow control the p50 was 37 s). How fast they arrive is the benchmark's
  // (`npm run bench -- isolation`: p99 within 2 s and 5 × alone), not a timed test's.
  expect(figures.besideP99).toBeLessThan(Number(DEFAULTS.DELIVERY_TIMEOUT_MS));
  // and the neighbour kept to its slots: none of its webhooks had more attempts in flight than its maxConcurrency
  expect(Math.max(...neighbourInFlight)).toBeLessThanOrEqual(10);
  return figures;
}

describe('one community cannot slow another', () => {
  it('a healthy webhook beside 400 deliveries hanging on one webhook of another community', async () => {
    await scenario(1);
  }, 300_000);

  it('a healthy webhook beside 400 deliveries hanging across 20 webhooks of another community', async () => {
    await scenario(20);
  }, 300_000);
});
