import type { Client } from '@temporalio/client';
import pMap from 'p-map';
import { type Issue, type LoopResult } from '../loops.js';
import { cpuSeconds, descendants, progress, spread } from '../lib.js';
import { type BenchDatabase, type Hookline, type TemporalServer } from '../stack.js';

/** What the scenarios share: loop figures, history counts, CPU meters, webhooks and events to drive Hookline. */
export function loopFigures(result: LoopResult) {
  return {
    perSecond: spread(result.windows.map((w) => w.rate)),
    latencyMs: {
      p50: spread(result.windows.map((w) => w.p50), 0),
      p95: spread(result.windows.map((w) => w.p95), 0),
      p99: spread(result.windows.map((w) => w.p99), 0),
    },
    samples: result.windows.reduce((a, w) => a + w.samples, 0),
    lost: result.windows.reduce((a, w) => a + w.lost, 0),
    errors: result.errors,
    ...(result.firstError ? { firstError: result.firstError } : {}),
  };
}

/** An id from the middle of a loop: its workflow has long completed (the last ones may not have). */
export function settled(ids: string[]): string | undefined {
  return ids[Math.floor(ids.length / 2)];
}

export async function countHistory(client: Client | undefined, workflowId: string | undefined): Promise<number | undefined> {
  if (!workflowId || !client) return undefined;
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return history.events?.length;
  } catch {
    return undefined;
  }
}

export async function subscribe(
  hookline: Hookline,
  key: string,
  count: number,
  url: string,
  events: string[],
  label: string,
  settings: Record<string, unknown> = {},
): Promise<string[]> {
  const ids: string[] = [];
  await pMap(
    Array.from({ length: count }, (_, i) => i),
    async (i) => {
      const webhook = await hookline.call<{ id: string }>('POST', '/v1/webhooks', { url: `${url}?n=${i}`, events, description: `bench ${i}`, ...settings }, key, 201);
      ids.push(webhook.id);
      if (ids.length % 50 === 0) progress(`${label}: ${ids.length}/${count} webhooks created`);
    },
    { concurrency: 8 },
  );
  return ids;
}

export function eventIssue(hookline: Hookline, key: string, type: 'user.joined' | 'store.item.purchased' | 'user.visited'): Issue {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  return async (n) => {
    const now = new Date().toISOString();
    const data =
      type === 'store.item.purchased'
        ? {
            purchase: { id: `pur_${n}`, quantity: 1, price: 4.5, currency: 'USD' },
            item: { id: 'itm_1', name: 'Golden badge' },
            user: { id: `usr_${n}`, username: 'ada' },
            purchasedAt: now,
          }
        : type === 'user.visited'
          ? { user: { id: `usr_${n}`, username: 'ada', displayName: 'Ada Lovelace' }, visitedAt: now }
          : { user: { id: `usr_${n}`, username: 'ada', displayName: 'Ada Lovelace' }, joinedAt: now };
    const r = await hookline.http.request({ method: 'POST', path: '/v1/events', headers, body: JSON.stringify({ type, data }) });
    const text = await r.body.text();
    if (r.statusCode !== 202) throw new Error(`POST /v1/events: HTTP ${r.statusCode} ${text.slice(0, 200)}`);
    const acceptedAt = Date.now();
    const deliveries = JSON.parse(text).data.deliveries as Array<{ id: string }>;
    return { id: deliveries[0]?.id ?? `none-${n}`, acceptedAt, all: deliveries.map((d) => d.id) };
  };
}

/**
 * CPU seconds used by each group of processes while a loop runs, as CPU-ms per delivery: the
 * figures the scaling arithmetic in BENCHMARKS.md starts from. A pid seen only at the end counts
 * from zero (a Postgres backend opened during the loop); one gone by the end is missed.
 */
export async function cpuMeter(groups: () => Promise<Record<string, number[]>>) {
  const before = await groups();
  const start = Object.fromEntries(Object.entries(before).map(([k, pids]) => [k, new Map(pids.map((pid) => [pid, cpuSeconds(pid)]))]));
  return {
    async stop(deliveries: number) {
      const after = await groups();
      const perDelivery: Record<string, number> = {};
      for (const [k, pids] of Object.entries(after)) {
        let seconds = 0;
        for (const pid of pids) {
          const s0 = start[k]?.get(pid) ?? 0;
          const s1 = cpuSeconds(pid);
          if (s0 !== undefined && !Number.isNaN(s0) && !Number.isNaN(s1)) seconds += s1 - s0;
        }
        perDelivery[k] = Number(((seconds * 1000) / Math.max(1, deliveries)).toFixed(2));
      }
      return perDelivery;
    },
  };
}

export const temporalPids = (temporal: TemporalServer | undefined) => (temporal?.child ? [temporal.child.pid, ...descendants(temporal.child.pid)] : []);

export async function postgresPids(db: BenchDatabase | undefined): Promise<number[]> {
  if (!db) return [];
  const r = await db.pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()');
  return r.rows.map((row) => row.pid);
}
