import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer } from '../../src/metrics/http.js';
import { freePort } from '../support/free-port.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * /metrics after real deliveries: the counters the worker recorded (this process runs the API and
 * the worker, as `npm start` does), the pending gauge read from Postgres, API requests by route.
 */
let hookline: Hookline;
let receiver: TestReceiver;

beforeAll(async () => {
  hookline = await startHookline();
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

type Samples = Map<string, number>;

/** Prometheus text → `name{label="v",…}` (labels sorted) → value. */
function parse(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort();
    samples.set(labels.length ? `${match[1]}{${labels.join(',')}}` : match[1]!, Number(match[3]));
  }
  return samples;
}

async function scrape(url = `${hookline.api.url}/metrics`): Promise<{ samples: Samples; text: string }> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { samples: parse(text), text };
}

const joined = { type: 'user.joined', data: { user: { id: 'u1', username: 'ada' }, joinedAt: '2026-11-29T10:00:00.000Z' } };
const visited = { type: 'user.visited', data: { user: { id: 'u1', username: 'ada' }, visitedAt: '2026-11-29T10:00:00.000Z' } };

describe('/metrics', () => {
  it('counts deliveries, attempts and their latencies after real deliveries', async () => {
    const shop = await hookline.newCommunity('metrics');
    const other = await hookline.newCommunity('metrics refused');
    receiver.responder = (a) => (a.path === '/bad' ? { status: 503, body: 'down' } : { status: 200, body: 'ok' });
    const url = (path: string) => receiver.url.replace('/hook', path);
    await hookline.call('POST', '/v1/webhooks', { url: url('/ok'), events: ['user.joined'] }, shop.key);
    await hookline.call('POST', '/v1/webhooks', { url: url('/bad'), events: ['user.joined'] }, shop.key);
    const closed = await freePort();
    await hookline.call('POST', '/v1/webhooks', { url: `http://127.0.0.1:${closed}/nobody`, events: ['user.visited'] }, other.key);

    const first = await hookline.call('POST', '/v1/events', joined, shop.key);
    const second = await hookline.call('POST', '/v1/events', visited, other.key);
    const deliveries = [...first.body.data.deliveries, ...second.body.data.deliveries] as { id: string }[];
    expect(deliveries).toHaveLength(3);
    for (const { id } of deliveries) {
      await eventually(async () => {
        const read = await hookline.call('GET', `/v1/deliveries/${id}`);
        return read.body.data.status === 'pending' ? undefined : read.body.data.status;
      });
    }

    const { samples, text } = await scrape();
    // schedule 300ms,300ms: the failing deliveries make three attempts each
    expect(samples.get('hookline_deliveries_total{event_type="user.joined",status="succeeded"}')).toBe(1);
    expect(samples.get('hookline_deliveries_total{event_type="user.joined",status="failed"}')).toBe(1);
    expect(samples.get('hookline_deliveries_total{event_type="user.visited",status="failed"}')).toBe(1);
    expect(samples.get('hookline_attempts_total{outcome="success",status_class="2xx"}')).toBe(1);
    expect(samples.get('hookline_attempts_total{outcome="http_error",status_class="5xx"}')).toBe(3);
    expect(samples.get('hookline_attempts_total{outcome="connection_refused",status_class="none"}')).toBe(3);
    expect(samples.get('hookline_attempt_duration_seconds_count{outcome="success"}')).toBe(1);
    expect(samples.get('hookline_attempt_duration_seconds_count{outcome="http_error"}')).toBe(3);
    expect(samples.get('hookline_event_to_first_attempt_seconds_count')).toBe(3);
    const firstAttemptSum = samples.get('hookline_event_to_first_attempt_seconds_sum')!;
    expect(firstAttemptSum).toBeGreaterThan(0);
    expect(firstAttemptSum).toBeLessThan(30);

    expect(samples.get('hookline_api_requests_total{method="POST",route="/v1/events",status="202"}')).toBe(2);
    expect(samples.get('hookline_api_requests_total{method="POST",route="/v1/webhooks",status="201"}')).toBe(3);
    expect(samples.get('hookline_api_requests_total{method="GET",route="/v1/deliveries/:id",status="200"}')).toBeGreaterThanOrEqual(3);
    // labels are route templates, never raw paths with ids in them
    expect(text).not.toMatch(/route="[^"]*(dlv_|wh_|cmty_)/);
    expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // nothing pending now: the gauge has no series for these types
    expect(samples.get('hookline_deliveries_pending{event_type="user.joined"}')).toBeUndefined();
  });

  it('reads pending deliveries from Postgres on each scrape', async () => {
    const community = await hookline.newCommunity('metrics pending');
    receiver.responder = (a) => (a.path === '/hang' ? 'hang' : { status: 200 });
    await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/hang'), events: ['message.posted'] }, community.key);
    const posted = await hookline.call(
      'POST',
      '/v1/events',
      {
        type: 'message.posted',
        data: { message: { id: 'm1', text: 'hi' }, user: { id: 'u1', username: 'ada' }, channel: { id: 'c1', name: 'general' }, postedAt: '2026-11-29T10:00:00.000Z' },
      },
      community.key,
    );
    expect(posted.status).toBe(202);
    const { samples } = await scrape();
    expect(samples.get('hookline_deliveries_pending{event_type="message.posted"}')).toBe(1);
    // the receiver hangs past DELIVERY_TIMEOUT_MS (2 s) on each of three attempts; then it is failed
    await eventually(async () => ((await scrape()).samples.get('hookline_deliveries_pending{event_type="message.posted"}') === undefined ? true : undefined), 30_000, 500);
    expect((await scrape()).samples.get('hookline_attempts_total{outcome="timeout",status_class="none"}')).toBe(3);
  });

  it('serves the same registry on a worker-only metrics port', async () => {
    const server = await startMetricsServer(0, pino({ level: 'silent' }));
    try {
      const { samples } = await scrape(`http://127.0.0.1:${server.port}/metrics`);
      expect(samples.get('hookline_attempts_total{outcome="success",status_class="2xx"}')).toBe(1);
      const elsewhere = await fetch(`http://127.0.0.1:${server.port}/other`);
      expect(elsewhere.status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
