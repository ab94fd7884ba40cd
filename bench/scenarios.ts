/**
 * The scenarios of `npm run bench`. Each returns plain figures (medians with min and max over its
 * runs) for the table and bench/results.json.
 */
import type { Client } from '@temporalio/client';
import autocannon from 'autocannon';
import pMap from 'p-map';
import { Pool } from 'undici';
import { DELIVERY_STATUS, COMMUNITY_ID, EVENT_TYPE, WEBHOOK_ID } from '../src/contract/search-attributes.js';
import { closedLoop, type Issue, type LoopResult, openLoop } from './loops.js';
import { cpuSeconds, descendants, progress, rssMb, sleep, spread, type Spread, waitFor } from './lib.js';
import { type BenchDatabase, type Floor, type Hookline, type Receiver, type TemporalServer, temporalStorageBytes } from './stack.js';
import { HEADER } from '../src/wire/headers.js';

export interface Profile {
  runs: number;
  windowMs: number;
  warmupMs: number;
  concurrency: number;
  fanout: number;
  parked: number;
  apiSeconds: number;
}

export const FULL: Profile = { runs: 3, windowMs: 8_000, warmupMs: 4_000, concurrency: 32, fanout: 1000, parked: 10_000, apiSeconds: 5 };
export const QUICK: Profile = { runs: 2, windowMs: 3_000, warmupMs: 2_000, concurrency: 32, fanout: 200, parked: 1_000, apiSeconds: 2 };

const WEBHOOK_BODY = {
  id: 'evt_0000000000000000000000',
  type: 'user.joined',
  timestamp: '2026-11-29T12:00:00.000Z',
  communityId: 'cmty_0000000000000000000000',
  data: { user: { id: 'usr_1', username: 'ada', displayName: 'Ada Lovelace' }, joinedAt: '2026-11-29T12:00:00.000Z' },
};

// ---------------------------------------------------------------- raw

export async function rawScenario(rx: Receiver, p: Profile) {
  const concurrency = 16;
  const pool = new Pool(rx.origin, { connections: concurrency, keepAliveTimeout: 60_000 });
  const body = JSON.stringify(WEBHOOK_BODY);
  const headers = {
    [HEADER.contentType]: 'application/json',
    [HEADER.userAgent]: 'Hookline-bench/1',
    [HEADER.webhookTimestamp]: '1796040000',
    [HEADER.webhookSignature]: 'v1,0000000000000000000000000000000000000000000=',
    [HEADER.eventType]: 'user.joined',
    [HEADER.attempt]: '1',
  };
  const rates: number[] = [];
  const windowMs = Math.min(p.windowMs, 3000);
  for (let run = -1; run < p.runs; run++) {
    let done = 0;
    const end = Date.now() + (run < 0 ? 1000 : windowMs);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          const r = await pool.request({ method: 'POST', path: '/raw', headers, body });
          await r.body.dump();
          done += 1;
        }
      }),
    );
    if (run >= 0) rates.push(done / (windowMs / 1000));
    progress(`raw: ${run < 0 ? 'warm-up' : `run ${run + 1}/${p.runs}: ${rates[run]!.toFixed(0)}/s`}`);
  }
  await pool.close();
  return { requestsPerSecond: spread(rates, 0), connections: concurrency };
}

// ---------------------------------------------------------------- floor

export type FloorVariant = 'floorWorkflow' | 'floorLocalWorkflow' | 'floorTwoActivitiesWorkflow' | 'floorShapedWorkflow';

export function floorIssue(floor: Floor, rx: Receiver, runId: string, variant: FloorVariant = 'floorWorkflow'): Issue {
  const url = `${rx.origin}/floor`;
  return async (n) => {
    const id = `floor-${runId}-${variant}-${n}-${Math.random().toString(36).slice(2, 8)}`;
    await floor.client.workflow.start(variant, {
      taskQueue: floor.taskQueue,
      workflowId: id,
      args: [{ id, url }],
      ...(variant === 'floorShapedWorkflow'
        ? {
            typedSearchAttributes: [
              { key: COMMUNITY_ID, value: 'cmty_bench' },
              { key: WEBHOOK_ID, value: 'wh_bench' },
              { key: EVENT_TYPE, value: 'user.joined' },
              { key: DELIVERY_STATUS, value: 'pending' },
            ],
          }
        : {}),
    });
    return { id, acceptedAt: Date.now() };
  };
}

function loopFigures(result: LoopResult) {
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

export async function floorScenario(
  floor: Floor,
  rx: Receiver,
  runId: string,
  p: Profile,
  variant: FloorVariant = 'floorWorkflow',
  label = 'floor',
  temporal?: TemporalServer,
) {
  const meter = await cpuMeter(async () => ({ worker: [floor.worker.pid], temporal: temporalPids(temporal), harness: [process.pid, rx.child.pid] }));
  const result = await closedLoop(rx, floorIssue(floor, rx, runId, variant), {
    label,
    concurrency: p.concurrency,
    warmupMs: p.warmupMs,
    windows: p.runs,
    windowMs: p.windowMs,
  });
  const cpuMsPerWorkflow = await meter.stop(result.ids.length);
  const historyEvents = await countHistory(floor.client, settled(result.ids));
  return { workflow: variant, concurrency: p.concurrency, ...loopFigures(result), historyEvents, cpuMsPerWorkflow };
}

/** An id from the middle of a loop: its workflow has long completed (the last ones may not have). */
function settled(ids: string[]): string | undefined {
  return ids[Math.floor(ids.length / 2)];
}

async function countHistory(client: Client | undefined, workflowId: string | undefined): Promise<number | undefined> {
  if (!workflowId || !client) return undefined;
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return history.events?.length;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- sustained

async function subscribe(hookline: Hookline, key: string, count: number, url: string, events: string[], label: string): Promise<string[]> {
  const ids: string[] = [];
  await pMap(
    Array.from({ length: count }, (_, i) => i),
    async (i) => {
      const webhook = await hookline.call<{ id: string }>('POST', '/v1/webhooks', { url: `${url}?n=${i}`, events, description: `bench ${i}` }, key, 201);
      ids.push(webhook.id);
      if (ids.length % 50 === 0) progress(`${label}: ${ids.length}/${count} webhooks created`);
    },
    { concurrency: 8 },
  );
  return ids;
}

function eventIssue(hookline: Hookline, key: string, type: 'user.joined' | 'store.item.purchased' | 'user.visited'): Issue {
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

export interface SustainedSetup {
  key: string;
}

export async function sustainedSetup(hookline: Hookline, rx: Receiver): Promise<SustainedSetup> {
  const { key } = await hookline.newCommunity('bench sustained');
  await subscribe(hookline, key, 1, `${rx.origin}/sustained`, ['user.joined'], 'sustained');
  return { key };
}

/** A short closed loop through the whole stack, so the first measured run is not a cold one. */
export async function warmHookline(hookline: Hookline, rx: Receiver, setup: SustainedSetup, p: Profile): Promise<void> {
  await closedLoop(rx, eventIssue(hookline, setup.key, 'user.joined'), {
    label: 'warm-up',
    concurrency: p.concurrency,
    warmupMs: p.warmupMs,
    windows: 0,
    windowMs: 0,
  });
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

const temporalPids = (temporal: TemporalServer | undefined) => (temporal?.child ? [temporal.child.pid, ...descendants(temporal.child.pid)] : []);

async function postgresPids(db: BenchDatabase | undefined): Promise<number[]> {
  if (!db) return [];
  const r = await db.pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()');
  return r.rows.map((row) => row.pid);
}

export async function sustainedScenario(
  hookline: Hookline,
  rx: Receiver,
  client: Client | undefined,
  setup: SustainedSetup,
  p: Profile,
  temporal?: TemporalServer,
  db?: BenchDatabase,
) {
  const issue = eventIssue(hookline, setup.key, 'user.joined');
  const meter = await cpuMeter(hooklineGroups(hookline, rx, temporal, db));
  const max = await closedLoop(rx, issue, { label: 'sustained (max)', concurrency: p.concurrency, warmupMs: p.warmupMs, windows: p.runs, windowMs: p.windowMs });
  const cpuMsPerDelivery = await meter.stop(max.ids.length);
  return sustainedHalf(hookline, rx, client, setup, p, max, cpuMsPerDelivery);
}

function hooklineGroups(hookline: Hookline, rx: Receiver, temporal: TemporalServer | undefined, db: BenchDatabase | undefined) {
  return async () => ({
    worker: [hookline.worker.pid],
    api: [hookline.api.pid],
    temporal: temporalPids(temporal),
    postgres: await postgresPids(db),
    harness: [process.pid, rx.child.pid],
  });
}

async function sustainedHalf(
  hookline: Hookline,
  rx: Receiver,
  client: Client | undefined,
  setup: SustainedSetup,
  p: Profile,
  max: LoopResult,
  cpuMsPerDelivery: Record<string, number>,
) {
  const issue = eventIssue(hookline, setup.key, 'user.joined');
  const maxFigures = loopFigures(max);
  const halfRate = maxFigures.perSecond.median / 2;
  const half = await openLoop(rx, issue, { label: 'sustained (half)', rate: halfRate, warmupMs: Math.min(p.warmupMs, 3000), windows: p.runs, windowMs: p.windowMs });
  const doneId = settled(max.ids);
  const historyEvents = doneId ? await countHistory(client, `delivery-${doneId}`) : undefined;
  return {
    concurrency: p.concurrency,
    max: maxFigures,
    half: { ratePerSecond: Number(halfRate.toFixed(1)), ...loopFigures(half) },
    historyEvents,
    cpuMsPerDelivery,
  };
}

function medianOfEach(records: Array<Record<string, number>>): Record<string, number> {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, spread(records.map((r) => r[k] ?? NaN).filter((v) => !Number.isNaN(v)), 2).median]));
}

/**
 * The floor and Hookline's maximum measured in alternating windows (floor, Hookline, floor, ...),
 * so that whatever else the machine does weighs on both alike: the ratio of each pair is the fair
 * figure on a machine that is not quiet.
 */
export async function floorAndSustained(
  floor: Floor,
  hookline: Hookline,
  rx: Receiver,
  client: Client | undefined,
  setup: SustainedSetup,
  runId: string,
  p: Profile,
  temporal: TemporalServer | undefined,
  db: BenchDatabase | undefined,
) {
  const floorRuns: LoopResult[] = [];
  const floorLocalRuns: LoopResult[] = [];
  const hooklineRuns: LoopResult[] = [];
  const floorCpu: Array<Record<string, number>> = [];
  const floorLocalCpu: Array<Record<string, number>> = [];
  const hooklineCpu: Array<Record<string, number>> = [];
  const switchWarmupMs = Math.min(p.warmupMs, 3000);
  const floorGroups = async () => ({ worker: [floor.worker.pid], temporal: temporalPids(temporal), harness: [process.pid, rx.child.pid] });
  for (let run = 0; run < p.runs; run++) {
    const fm = await cpuMeter(floorGroups);
    const f = await closedLoop(rx, floorIssue(floor, rx, runId), {
      label: `floor (run ${run + 1}/${p.runs})`,
      concurrency: p.concurrency,
      warmupMs: run === 0 ? p.warmupMs : switchWarmupMs,
      windows: 1,
      windowMs: p.windowMs,
    });
    floorCpu.push(await fm.stop(f.ids.length));
    floorRuns.push(f);
    // Hookline's attempt is a local activity: the floor made the same way, for the record (the
    // target is set against the floor above)
    const lm = await cpuMeter(floorGroups);
    const l = await closedLoop(rx, floorIssue(floor, rx, runId, 'floorLocalWorkflow'), {
      label: `floor, local activity (run ${run + 1}/${p.runs})`,
      concurrency: p.concurrency,
      warmupMs: switchWarmupMs,
      windows: 1,
      windowMs: p.windowMs,
    });
    floorLocalCpu.push(await lm.stop(l.ids.length));
    floorLocalRuns.push(l);
    const hm = await cpuMeter(hooklineGroups(hookline, rx, temporal, db));
    const h = await closedLoop(rx, eventIssue(hookline, setup.key, 'user.joined'), {
      label: `sustained (max, run ${run + 1}/${p.runs})`,
      concurrency: p.concurrency,
      warmupMs: switchWarmupMs,
      windows: 1,
      windowMs: p.windowMs,
    });
    hooklineCpu.push(await hm.stop(h.ids.length));
    hooklineRuns.push(h);
  }
  const merge = (runs: LoopResult[]): LoopResult => ({
    windows: runs.flatMap((r) => r.windows),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    ...(runs.find((r) => r.firstError) ? { firstError: runs.find((r) => r.firstError)!.firstError! } : {}),
    ids: runs.flatMap((r) => r.ids),
  });
  const hooklineMerged = merge(hooklineRuns);
  const floorFiguresOf = async (workflow: FloorVariant, runs: LoopResult[], cpu: Array<Record<string, number>>) => {
    const merged = merge(runs);
    return {
      workflow,
      concurrency: p.concurrency,
      ...loopFigures(merged),
      historyEvents: await countHistory(floor.client, settled(merged.ids)),
      cpuMsPerWorkflow: medianOfEach(cpu),
    };
  };
  const floorFigures = await floorFiguresOf('floorWorkflow', floorRuns, floorCpu);
  const floorLocalFigures = await floorFiguresOf('floorLocalWorkflow', floorLocalRuns, floorLocalCpu);
  const sustained = await sustainedHalf(hookline, rx, client, setup, p, hooklineMerged, medianOfEach(hooklineCpu));
  const pairRatios = hooklineRuns.map((h, i) => (h.windows[0]?.rate ?? NaN) / (floorRuns[i]?.windows[0]?.rate ?? NaN));
  return {
    floor: floorFigures,
    floorLocal: floorLocalFigures,
    sustained: { ...sustained, interleavedWithFloor: true },
    pairRatios: spread(pairRatios, 2),
  };
}

// ---------------------------------------------------------------- fanout

export async function fanoutScenario(hookline: Hookline, rx: Receiver, p: Profile) {
  const { key } = await hookline.newCommunity('bench fanout');
  await subscribe(hookline, key, p.fanout, `${rx.origin}/fanout`, ['store.item.purchased'], 'fanout');
  const issue = eventIssue(hookline, key, 'store.item.purchased');
  const toAccepted: number[] = [];
  const toAll: number[] = [];
  const rates: number[] = [];
  for (let run = 0; run < p.runs; run++) {
    const sentAt = Date.now();
    const accepted = await issue(run);
    const all = accepted.all ?? [];
    toAccepted.push(accepted.acceptedAt - sentAt);
    if (all.length !== p.fanout) throw new Error(`fanout: ${all.length} deliveries, expected ${p.fanout}`);
    let arrived = 0;
    const ticker = setInterval(
      () => progress(`fanout: run ${run + 1}/${p.runs}: 202 in ${toAccepted[run]} ms, ${arrived}/${p.fanout} arrived`),
      500,
    );
    const times = await Promise.all(
      all.map(async (id) => {
        const at = await rx.wait(id, 300_000);
        arrived += 1;
        return at ?? NaN;
      }),
    );
    clearInterval(ticker);
    const last = Math.max(...times);
    if (Number.isNaN(last)) throw new Error('fanout: not all deliveries arrived within 5 minutes');
    toAll.push((last - sentAt) / 1000);
    rates.push(p.fanout / ((last - sentAt) / 1000));
    await sleep(1000);
  }
  return {
    webhooks: p.fanout,
    acceptedMs: spread(toAccepted, 0),
    allArrivedSeconds: spread(toAll, 2),
    deliveriesPerSecond: spread(rates, 1),
  };
}

// ---------------------------------------------------------------- api

export async function apiScenario(hookline: Hookline, p: Profile) {
  const { key } = await hookline.newCommunity('bench api (no webhooks)');
  const options = {
    url: `${hookline.apiUrl}/v1/events`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'user.joined', data: { user: { id: 'usr_1', username: 'ada' }, joinedAt: '2026-11-29T12:00:00.000Z' } }),
    connections: 10,
    duration: p.apiSeconds,
  };
  progress('api: warm-up');
  await autocannon({ ...options, duration: 1 });
  const maxRps: number[] = [];
  const maxP99: number[] = [];
  const at200P99: number[] = [];
  const at200P50: number[] = [];
  const at200Rps: number[] = [];
  let non2xx = 0;
  for (let run = 0; run < p.runs; run++) {
    progress(`api: run ${run + 1}/${p.runs}, as fast as it answers`);
    const max = await autocannon(options);
    maxRps.push(max.requests.average);
    maxP99.push(max.latency.p99);
    non2xx += max.non2xx + max.errors;
    progress(`api: run ${run + 1}/${p.runs}, 200 requests/s`);
    const fixed = await autocannon({ ...options, overallRate: 200 });
    at200P99.push(fixed.latency.p99);
    at200P50.push(fixed.latency.p50);
    at200Rps.push(fixed.requests.average);
    non2xx += fixed.non2xx + fixed.errors;
  }
  return {
    max: { requestsPerSecond: spread(maxRps, 0), p99Ms: spread(maxP99, 1) },
    at200: { requestsPerSecond: spread(at200Rps, 0), p50Ms: spread(at200P50, 1), p99Ms: spread(at200P99, 1) },
    connections: options.connections,
    non2xxOrErrors: non2xx,
  };
}

// ---------------------------------------------------------------- parked

async function tableBytes(db: BenchDatabase): Promise<number> {
  const r = await db.pool.query<{ bytes: string }>(
    `select coalesce(sum(pg_total_relation_size(c.oid)), 0)::text as bytes from pg_class c
       join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'`,
  );
  return Number(r.rows[0]!.bytes);
}

export async function parkedScenario(hookline: Hookline, rx: Receiver, db: BenchDatabase, temporal: TemporalServer, p: Profile) {
  // Ten dead webhooks and one event after another, each making ten deliveries, posted whenever
  // fewer than PARKED_AHEAD deliveries wait for their first attempt: steady work like the sustained
  // scenario. (Ten events of 1,000 each parked at 9-19/s instead of ~30/s: a backlog in the task
  // queue makes the server persist and re-read every task.)
  const perEvent = Math.min(10, p.parked);
  const events = Math.ceil(p.parked / perEvent);
  const total = events * perEvent;
  const PARKED_AHEAD = 64;
  const { key, communityId } = await hookline.newCommunity('bench parked');
  await subscribe(hookline, key, perEvent, hookline.deadUrl, ['user.visited'], 'parked');
  const bytesBefore = await tableBytes(db);
  const temporalBefore = temporalStorageBytes(temporal);
  const issue = eventIssue(hookline, key, 'user.visited');
  const started = Date.now();
  const progressOf = async () => {
    const r = await db.pool.query<{ waiting: string; attempted: string }>(
      `select count(*) filter (where attempt_count = 0)::text as waiting, count(*) filter (where attempt_count >= 1)::text as attempted
         from deliveries where community_id = $1`,
      [communityId],
    );
    return { waiting: Number(r.rows[0]!.waiting), attempted: Number(r.rows[0]!.attempted) };
  };
  let posted = 0;
  let lastReport = 0;
  for (;;) {
    const { waiting, attempted } = await progressOf();
    if (Date.now() - lastReport > 1000) {
      const rate = attempted / ((Date.now() - started) / 1000);
      progress(`parked: ${attempted}/${total} deliveries failed once and wait for their retry (${rate.toFixed(1)}/s)`);
      lastReport = Date.now();
    }
    if (attempted >= total) break;
    const room = Math.min(events - posted, Math.floor((PARKED_AHEAD - waiting) / perEvent));
    if (room > 0) {
      await Promise.all(Array.from({ length: room }, (_, i) => issue(posted + i)));
      posted += room;
    } else {
      await sleep(100);
    }
    if (Date.now() - started > 30 * 60_000) throw new Error('parked: not all deliveries attempted within 30 minutes');
  }
  const parkedInSeconds = (Date.now() - started) / 1000;
  progress('parked: settling');
  await sleep(5000);

  const temporalPids = temporal.child ? [temporal.child.pid, ...descendants(temporal.child.pid)] : [];
  const cpuOf = (pids: number[]) => pids.reduce((a, pid) => a + (cpuSeconds(pid) || 0), 0);
  const samples = { workerRss: [] as number[], workerCpu: [] as number[], apiRss: [] as number[], apiCpu: [] as number[], temporalRss: [] as number[], temporalCpu: [] as number[] };
  const sampleMs = Math.max(3000, Math.min(p.windowMs, 6000));
  for (let run = 0; run < Math.max(3, p.runs); run++) {
    const t = Date.now();
    const w0 = cpuSeconds(hookline.worker.pid);
    const a0 = cpuSeconds(hookline.api.pid);
    const s0 = cpuOf(temporalPids);
    progress(`parked: measuring ${run + 1}/${Math.max(3, p.runs)} while ${total} deliveries wait`);
    await sleep(sampleMs);
    const seconds = (Date.now() - t) / 1000;
    samples.workerCpu.push(((cpuSeconds(hookline.worker.pid) - w0) / seconds) * 100);
    samples.apiCpu.push(((cpuSeconds(hookline.api.pid) - a0) / seconds) * 100);
    samples.temporalCpu.push(((cpuOf(temporalPids) - s0) / seconds) * 100);
    samples.workerRss.push(rssMb(hookline.worker.pid));
    samples.apiRss.push(rssMb(hookline.api.pid));
    samples.temporalRss.push(temporalPids.reduce((a, pid) => a + (rssMb(pid) || 0), 0));
  }
  const rows = await db.pool.query<{ deliveries: string; attempts: string; events: string }>(
    `select (select count(*) from deliveries where community_id = $1)::text as deliveries,
            (select count(*) from attempts a join deliveries d on d.id = a.delivery_id where d.community_id = $1)::text as attempts,
            (select count(*) from events where community_id = $1)::text as events`,
    [communityId],
  );
  const counts = { deliveries: Number(rows.rows[0]!.deliveries), attempts: Number(rows.rows[0]!.attempts), events: Number(rows.rows[0]!.events) };
  const bytesAfter = await tableBytes(db);
  const temporalAfter = temporalStorageBytes(temporal);
  return {
    deliveries: total,
    parkedInSeconds: Number(parkedInSeconds.toFixed(1)),
    firstAttemptsPerSecond: Number((total / parkedInSeconds).toFixed(1)),
    worker: { rssMb: spread(samples.workerRss, 0), cpuPercent: spread(samples.workerCpu, 1) },
    api: { rssMb: spread(samples.apiRss, 0), cpuPercent: spread(samples.apiCpu, 1) },
    temporal: temporal.child ? { rssMb: spread(samples.temporalRss, 0), cpuPercent: spread(samples.temporalCpu, 1) } : undefined,
    postgres: {
      rows: counts,
      rowsPerDelivery: Number(((counts.deliveries + counts.attempts + counts.events) / counts.deliveries).toFixed(2)),
      bytesPerDelivery: Math.round((bytesAfter - bytesBefore) / total),
    },
    temporalBytesPerDelivery: temporalBefore !== undefined && temporalAfter !== undefined ? Math.round((temporalAfter - temporalBefore) / total) : undefined,
  };
}
