import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/database.js';
import { markWebhookSlow } from '../../src/store/flow.js';
import { freePort } from '../support/free-port.js';
import { eventually } from '../support/harness.js';
import { type ProcessStack, startProcessStack } from '../support/hookline-processes.js';
import { labelValuesMetric, metricNames } from '../support/promql.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * docs/grafana/hookline.json against what Hookline really exposes: every PromQL expression of the
 * dashboard (panels and variables) parses, and every series it reads is in a scrape of a real API
 * (/metrics), a real worker process (WORKER_METRICS_PORT) and its Temporal SDK endpoint
 * (TEMPORAL_METRICS_ADDRESS), after deliveries of every kind the panels show: successes, a retry,
 * an attempt as a normal activity, flow-control waits, a held delivery, a replay.
 */
const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/hookline.json', import.meta.url), 'utf8'));

interface Panel {
  type: string;
  title: string;
  id: number;
  datasource?: { uid: string };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  panels?: Panel[];
}
const panels: Panel[] = (dashboard.panels as Panel[]).flatMap((p) => [p, ...(p.panels ?? [])]);
const queried = panels.filter((p) => p.type !== 'row');
const expressions = queried.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
const variables = dashboard.templating.list as Array<{ name: string; query: { query: string } | string; datasource: { uid: string } }>;
const variableQueries = variables.map((v) => (typeof v.query === 'string' ? v.query : v.query.query));

/** Made by Prometheus for every target it scrapes, never by the target itself. */
const SCRAPE_SERIES = new Set(['up']);

describe('the Grafana dashboard', () => {
  it('is importable: a ${DS_PROMETHEUS} input used by every panel, job and instance variables, unique ids', () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    expect(variables.map((v) => v.name)).toEqual(['job', 'instance']);
    for (const v of variables) expect(v.datasource.uid).toBe('${DS_PROMETHEUS}');
    for (const p of queried) {
      expect(p.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    // every query is narrowed by both variables
    for (const { panel, expr } of expressions) {
      expect(expr, panel).toContain('job=~"$job"');
      expect(expr, panel).toContain('instance=~"$instance"');
    }
  });

  it('has the panels an operator needs', () => {
    const titles = queried.map((p) => p.title);
    for (const wanted of [
      'Event intake',
      'Deliveries by outcome',
      'Attempt latency',
      'Pending deliveries',
      'Waiting for a slot',
      'Replays started',
      'Rate-limit rejections (429)',
      'Latency by route (p99)',
      'Requests by status',
      'Workflow task schedule-to-start',
      'Activity schedule-to-start',
      'Task slots used',
    ]) {
      expect(titles).toContain(wanted);
    }
  });

  it('parses every expression with the PromQL grammar', () => {
    for (const { panel, expr } of expressions) expect(metricNames(expr).length, `${panel}: ${expr}`).toBeGreaterThan(0);
    for (const query of variableQueries) expect(labelValuesMetric(query).length, query).toBeGreaterThan(0);
  });

  describe('against real scrapes', () => {
    let stack: ProcessStack;
    let receiver: TestReceiver;
    let workerMetrics: string;
    let sdkMetrics: string;

    beforeAll(async () => {
      receiver = await TestReceiver.start();
      // long enough for a hanging receiver to hold its webhook's one slot while others wait
      stack = await startProcessStack('grafana', { DELIVERY_TIMEOUT_MS: '8000' });
      const [workerPort, sdkPort] = [await freePort(), await freePort()];
      workerMetrics = `http://127.0.0.1:${workerPort}/metrics`;
      sdkMetrics = `http://127.0.0.1:${sdkPort}/metrics`;
      await stack.startWorker('worker', { WORKER_METRICS_PORT: String(workerPort), TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${sdkPort}` });
    });
    afterAll(async () => {
      await stack?.stop();
      await receiver?.stop();
    });

    it('finds every series the dashboard queries, of the type its functions expect', async () => {
      const { key } = await stack.newCommunity('dashboard');
      const url = (path: string) => receiver.url.replace('/hook', path);
      const webhook = async (path: string, settings: Record<string, unknown> = {}) => {
        const created = await stack.call('POST', '/v1/webhooks', { url: url(path), events: ['user.joined'], ...settings }, key);
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        return created.body.data.id as string;
      };
      let flaky = 0;
      receiver.responder = (arrival) => {
        if (arrival.path === '/flaky') return { status: flaky++ === 0 ? 500 : 200 };
        if (arrival.path === '/hang') return 'hang';
        return { status: 200 };
      };
      await webhook('/ok');
      await webhook('/flaky'); // a 500, then a retry that succeeds
      const slow = await webhook('/slow'); // marked slow: attempts as normal activities
      const db = createDb(stack.databaseUrl);
      await markWebhookSlow(db, slow).finally(() => db.destroy());
      await webhook('/held', { active: false }); // its deliveries stay pending
      const event = (n: number) => ({ type: 'user.joined', data: { user: { id: `u${n}`, username: 'ada' }, joinedAt: '2026-11-29T10:00:00.000Z' } });
      const accepted = await stack.call('POST', '/v1/events', event(0), key);
      expect(accepted.status).toBe(202);
      await receiver.waitFor(4);
      // a replay of a delivery that succeeded
      const ok = (accepted.body.data.deliveries as Array<{ id: string; webhookId: string }>)[0]!;
      await eventually(async () => ((await stack.call('GET', `/v1/deliveries/${ok.id}`, undefined, key)).body.data.status === 'succeeded' ? true : undefined));
      expect((await stack.call('POST', `/v1/deliveries/${ok.id}/replay`, {}, key)).status).toBe(202);
      // one slot, a receiver that hangs: the next deliveries wait for it (hookline_flow_webhook_waiting)
      const hang = await stack.call('POST', '/v1/webhooks', { url: url('/hang'), events: ['user.visited'], maxConcurrency: 1 }, key);
      expect(hang.status).toBe(201);
      for (let n = 1; n <= 3; n++) {
        const visited = await stack.call('POST', '/v1/events', { type: 'user.visited', data: { user: { id: `u${n}`, username: 'ada' }, visitedAt: '2026-11-29T10:00:00.000Z' } }, key);
        expect(visited.status).toBe(202);
      }

      const wanted = new Map<string, string[]>();
      for (const { panel, expr } of expressions) for (const name of metricNames(expr)) wanted.set(name, [...(wanted.get(name) ?? []), panel]);
      for (const query of variableQueries) for (const name of labelValuesMetric(query)) wanted.set(name, [...(wanted.get(name) ?? []), `variable ${query}`]);

      // conditions that come and go (a delivery waiting for a slot) are scraped until all are seen
      const seen = new Set<string>();
      const types = new Map<string, string>();
      const missing = await eventually(
        async () => {
          for (const target of [`${stack.apiUrl}/metrics`, workerMetrics, sdkMetrics]) {
            const response = await fetch(target);
            expect(response.status, target).toBe(200);
            const text = await response.text();
            for (const line of text.split('\n')) {
              const type = /^# TYPE (\S+) (\S+)/.exec(line);
              if (type) types.set(type[1]!, type[2]!);
              const sample = /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line);
              if (sample) seen.add(sample[1]!);
            }
          }
          const left = [...wanted.keys()].filter((name) => !seen.has(name) && !SCRAPE_SERIES.has(name));
          return left.length === 0 ? left : undefined;
        },
        45_000,
        500,
      ).catch(() => [...wanted.keys()].filter((name) => !seen.has(name) && !SCRAPE_SERIES.has(name)));
      expect(missing.map((name) => `${name} (${wanted.get(name)!.join('; ')})`)).toEqual([]);

      // rate() over counters and histogram series only; histogram_quantile() over a histogram's buckets
      const typeOf = (name: string) => types.get(name) ?? types.get(name.replace(/_(bucket|sum|count)$/, ''));
      for (const { panel, expr } of expressions) {
        for (const m of expr.matchAll(/\brate\(([a-zA-Z_:][\w:]*)/g)) {
          expect(['counter', 'histogram'], `${panel}: rate(${m[1]})`).toContain(typeOf(m[1]!));
        }
        if (expr.includes('histogram_quantile')) {
          for (const name of metricNames(expr)) {
            expect(name, panel).toMatch(/_bucket$/);
            expect(typeOf(name), panel).toBe('histogram');
          }
        }
      }
    });
  });
});
