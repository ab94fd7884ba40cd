import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { purgeScheduleId } from '../../src/temporal/purge.js';
import { closedLoop, type Issue, type Issued } from '../loops.js';
import { percentile, progress, sleep } from '../lib.js';
import type { BenchDatabase, Hookline, Receiver } from '../stack.js';
import { eventIssue, loopFigures, subscribe } from './measure.js';
import type { Profile } from './profile.js';

/**
 * growth (docs/retention.md, BENCHMARKS.md "Storage and the purge"): what a delivery costs in
 * Postgres, whether the tables stay the same size over purge cycles at a steady load, how fast the
 * purge deletes, and the healthy webhook's 202 → arrival while it purges 1,000,000 rows.
 *
 * Its own Hookline (a fresh database) with RETENTION=60s and PURGE_INTERVAL=30s:
 *  1. the sustained maximum (a short closed loop), so the load below is half of it;
 *  2. bytes per delivery by table: deliveries with a 2-byte answer, then with a 20 kB one, each
 *     measured after VACUUM FULL (compact) and as written (before it: the row's updated version
 *     beside the dead one, which a vacuum makes room of);
 *  3. steady load at half the maximum through several purge cycles: table sizes after each run;
 *  4. 1,000,000 rows made with SQL (250,000 events, 250,000 deliveries, 500,000 attempts, all
 *     final and older than the retention), then the purge run at that same load: its rows/s, lock
 *     waits seen in pg_stat_activity, and the p99 of the deliveries accepted while it ran, beside
 *     the p99 of a window just before it.
 */
export const GROWTH_ENV = { RETENTION: '60s', PURGE_INTERVAL: '30s' };

const TABLES = ['deliveries', 'attempts', 'events'] as const;
type Table = (typeof TABLES)[number];
type Sizes = Record<Table, { heap: number; toast: number; indexes: number; total: number }>;

async function tableSizes(db: BenchDatabase): Promise<Sizes> {
  const r = await db.pool.query<{ name: Table; heap: string; toast: string; indexes: string; total: string }>(
    `select c.relname as name, pg_relation_size(c.oid)::text as heap,
            coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::text as toast,
            pg_indexes_size(c.oid)::text as indexes, pg_total_relation_size(c.oid)::text as total
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and c.relname = any($1)`,
    [[...TABLES]],
  );
  return Object.fromEntries(
    r.rows.map((row) => [row.name, { heap: Number(row.heap), toast: Number(row.toast), indexes: Number(row.indexes), total: Number(row.total) }]),
  ) as Sizes;
}

const totalOf = (s: Sizes) => TABLES.reduce((a, t) => a + s[t].total, 0);
const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(2));

function perDelivery(before: Sizes, after: Sizes, count: number) {
  const by = Object.fromEntries(TABLES.map((t) => [t, Math.round((after[t].total - before[t].total) / count)])) as Record<Table, number>;
  return { ...by, total: TABLES.reduce((a, t) => a + by[t], 0) };
}

async function vacuumFull(db: BenchDatabase): Promise<void> {
  for (const t of TABLES) await db.pool.query(`vacuum full analyze ${t}`);
}

/** Issues until `count` deliveries have arrived, `concurrency` at a time. */
async function deliverCount(rx: Receiver, issue: Issue, count: number, concurrency: number, label: string): Promise<void> {
  let n = 0;
  let arrived = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (n < count) {
        const item = await issue(n++);
        await rx.wait(item.id, 120_000);
        arrived += 1;
        if (arrived % 250 === 0) progress(`growth: ${label} ${arrived}/${count}`);
      }
    }),
  );
}

/** An open loop that runs until stopped; what it accepted, with the time of each 202. */
function steadyLoad(issue: Issue, rate: number) {
  const accepted: Issued[] = [];
  let errors = 0;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const t0 = Date.now();
  const running = (async () => {
    for (let i = 0; !stopped; i++) {
      const wait = t0 + (i * 1000) / rate - Date.now();
      if (wait > 0) await sleep(wait);
      const p: Promise<void> = issue(i).then(
        (item) => void accepted.push(item),
        () => void (errors += 1),
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  })();
  return {
    accepted,
    errors: () => errors,
    async stop() {
      stopped = true;
      await running;
      await Promise.all(inFlight);
    },
  };
}

/** 202 → arrival of what was accepted in [from, to), waiting for late arrivals. */
async function latencies(rx: Receiver, accepted: Issued[], from: number, to: number) {
  const items = accepted.filter((a) => a.acceptedAt >= from && a.acceptedAt < to);
  await Promise.all(items.map((a) => rx.wait(a.id, 120_000)));
  const values = items.flatMap((a) => {
    const at = rx.arrivals.get(a.id);
    return at === undefined ? [] : [at - a.acceptedAt];
  });
  values.sort((a, b) => a - b);
  return {
    samples: values.length,
    lost: items.length - values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.at(-1) ?? 0,
  };
}

/** Bytes the machine's disks have written so far (/proc/diskstats, whole devices only). */
function diskWrittenBytes(): number {
  try {
    return readFileSync('/proc/diskstats', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f.length > 10 && /^(vd[a-z]|sd[a-z]|xvd[a-z]|nvme\d+n\d+)$/.test(f[2]!))
      .reduce((a, f) => a + Number(f[9]) * 512, 0);
  } catch {
    return NaN;
  }
}

async function walBytes(db: BenchDatabase): Promise<number> {
  const r = await db.pool.query<{ b: string }>('select wal_bytes::text as b from pg_stat_wal').catch(() => undefined);
  return r ? Number(r.rows[0]!.b) : NaN;
}

/** Samples once a second: disk and WAL write rates and the purge's stage, for the timeline. */
function ioSampler(db: BenchDatabase, stageOf: () => string | undefined) {
  const samples: Array<{ at: number; disk: number; wal: number; stage: string | undefined }> = [];
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      samples.push({ at: Date.now(), disk: diskWrittenBytes(), wal: await walBytes(db), stage: stageOf() });
      await sleep(1000);
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** Per 5 s: what the load accepted then (its p50, p99), disk and WAL MB/s, and where the purge was. */
function timeline(rx: Receiver, accepted: Issued[], io: ReturnType<typeof ioSampler>['samples'], from: number, to: number, t0: number) {
  const BUCKET = 5000;
  const rows = [];
  for (let start = from; start < to; start += BUCKET) {
    const end = start + BUCKET;
    const values = accepted
      .filter((a) => a.acceptedAt >= start && a.acceptedAt < end)
      .flatMap((a) => {
        const at = rx.arrivals.get(a.id);
        return at === undefined ? [] : [at - a.acceptedAt];
      })
      .sort((a, b) => a - b);
    const inside = io.filter((x) => x.at >= start && x.at < end + 1000);
    const rate = (key: 'disk' | 'wal') =>
      inside.length >= 2 ? mb((inside.at(-1)![key] - inside[0]![key]) / ((inside.at(-1)!.at - inside[0]!.at) / 1000)) : NaN;
    rows.push({
      t: Math.round((start - t0) / 1000),
      stage: inside.at(-1)?.stage ?? null,
      accepted: values.length,
      p50: percentile(values, 50),
      p99: percentile(values, 99),
      diskMBps: rate('disk'),
      walMBps: rate('wal'),
    });
  }
  return rows;
}

interface Run {
  workflowId: string;
  status: string;
  startedAt: string;
  closedAt: string | null;
  stage: string | null;
  deleted: Record<string, number> | null;
  vacuumed: string[] | null;
}

const latestRun = (hookline: Hookline) => hookline.call<Run>('GET', '/v1/purge-runs/latest', undefined, hookline.adminToken, 200).catch(() => undefined);
const rowsOf = (run: Run) => Object.values(run.deleted ?? {}).reduce((a, n) => a + n, 0);

export async function growthScenario(hookline: Hookline, rx: Receiver, db: BenchDatabase, client: Client, p: Profile, options: { cycles?: number } = {}) {
  const schedule = client.schedule.getHandle(purgeScheduleId(hookline.taskQueue));
  const { key } = await hookline.newCommunity('bench growth');
  await subscribe(hookline, key, 1, `${rx.origin}/growth`, ['user.joined'], 'growth');
  const issue = eventIssue(hookline, key, 'user.joined');

  // 1. the sustained maximum here, and half of it
  const max = loopFigures(
    await closedLoop(rx, issue, { label: 'growth: sustained (max)', concurrency: p.concurrency, warmupMs: p.warmupMs, windows: 1, windowMs: p.windowMs }),
  );
  const halfRate = Math.max(1, max.perSecond.median / 2);

  // BENCH_GROWTH_SKIP=bytes,steady: the 1,000,000-row purge alone (tuning runs)
  const skip = new Set((process.env.BENCH_GROWTH_SKIP ?? '').split(',').filter(Boolean));
  let bytesPerDelivery: Record<string, unknown> | undefined;
  if (!skip.has('bytes')) bytesPerDelivery = await measureBytes();
  const cycles: Array<Record<string, unknown>> = [];
  const load = steadyLoad(issue, halfRate);
  let steadyGrowthPercent: number | undefined;
  if (!skip.has('steady')) steadyGrowthPercent = await steadyCycles();

  async function measureBytes() {
  // 2. bytes per delivery, with the purge paused so nothing measured goes meanwhile
  await schedule.pause('bench: measuring bytes per delivery');
  await sleep(2000);
  const small = await hookline.newCommunity('bench growth bytes (2-byte answers)');
  await subscribe(hookline, small.key, 1, `${rx.origin}/growth-small`, ['user.joined'], 'growth');
  const big = await hookline.newCommunity('bench growth bytes (20 kB answers)');
  await subscribe(hookline, big.key, 1, `${rx.origin}/growth-big?body=20000`, ['user.joined'], 'growth');
  const COUNT = 2000;
  await vacuumFull(db);
  const s0 = await tableSizes(db);
  await deliverCount(rx, eventIssue(hookline, small.key, 'user.joined'), COUNT, 16, 'bytes, 2-byte answers');
  await sleep(1000);
  const s1written = await tableSizes(db);
  await vacuumFull(db);
  const s1 = await tableSizes(db);
  await deliverCount(rx, eventIssue(hookline, big.key, 'user.joined'), COUNT, 16, 'bytes, 20 kB answers');
  await sleep(1000);
  const s2written = await tableSizes(db);
  await vacuumFull(db);
  const s2 = await tableSizes(db);
  // the rows measured go before the steady phase, so that it starts from empty, compact tables
  await db.pool.query('delete from events where community_id = any($1)', [[small.communityId, big.communityId]]);
  await vacuumFull(db);
  await schedule.unpause('bench: measuring growth');
  return {
    smallAnswer: { compact: perDelivery(s0, s1, COUNT), asWritten: perDelivery(s0, s1written, COUNT) },
    answer20kB: { compact: perDelivery(s1, s2, COUNT), asWritten: perDelivery(s1, s2written, COUNT) },
  };
  }

  async function steadyCycles() {
  // 3. steady load at half the maximum through several purge cycles
  const cyclesWanted = options.cycles ?? 10;
  let seen = (await latestRun(hookline))?.workflowId;
  const steadyStarted = Date.now();
  while (cycles.length < cyclesWanted) {
    await sleep(1000);
    const run = await latestRun(hookline);
    if (!run || run.workflowId === seen || run.status === 'running') continue;
    seen = run.workflowId;
    const sizes = await tableSizes(db);
    const live = await db.pool.query<{ n: string }>('select count(*)::text as n from deliveries');
    const seconds = run.closedAt ? (Date.parse(run.closedAt) - Date.parse(run.startedAt)) / 1000 : NaN;
    cycles.push({
      afterSeconds: Math.round((Date.now() - steadyStarted) / 1000),
      deliveriesInTable: Number(live.rows[0]!.n),
      deleted: rowsOf(run),
      purgeSeconds: Number(seconds.toFixed(2)),
      mb: { ...Object.fromEntries(TABLES.map((t) => [t, mb(sizes[t].total)])), total: mb(totalOf(sizes)) },
    });
    progress(`growth: cycle ${cycles.length}/${cyclesWanted}: ${mb(totalOf(sizes))} MB, ${live.rows[0]!.n} deliveries, ${rowsOf(run)} rows purged`);
  }
  // flat: the last half of the cycles against the first of that half
  const tail = cycles.slice(Math.floor(cycles.length / 2)) as Array<{ mb: { total: number } }>;
  return Number((((tail.at(-1)!.mb.total - tail[0]!.mb.total) / tail[0]!.mb.total) * 100).toFixed(1));
  }

  // 4. 1,000,000 rows, purged at the same load
  await schedule.pause('bench: making 1,000,000 rows');
  await sleep(2000);
  while ((await latestRun(hookline))?.status === 'running') await sleep(500);
  const bulk = await hookline.newCommunity('bench growth bulk');
  const bulkWebhook = (await subscribe(hookline, bulk.key, 1, `${rx.origin}/growth-bulk`, ['user.joined'], 'growth'))[0]!;
  progress('growth: making 1,000,000 rows with SQL');
  const made = Date.now();
  const conn = await db.pool.connect();
  try {
    await conn.query('begin');
    await conn.query(
      `insert into events (id, community_id, type, occurred_at, data, created_at)
       select 'evt_bulk_' || g, $1, 'user.joined', now() - interval '2 hours',
              jsonb_build_object('user', jsonb_build_object('id', 'usr_' || g, 'username', 'ada', 'displayName', 'Ada Lovelace'), 'joinedAt', now()),
              now() - interval '2 hours' - g * interval '1 millisecond'
       from generate_series(1, 250000) g`,
      [bulk.communityId],
    );
    await conn.query(
      `insert into deliveries (id, community_id, event_id, webhook_id, event_type, status, attempt_count, last_attempt_at, dispatched_at, created_at, updated_at)
       select 'dlv_bulk_' || g, $1, 'evt_bulk_' || g, $2, 'user.joined', case when g % 10 = 0 then 'failed' else 'succeeded' end, 2,
              now() - interval '2 hours', now() - interval '2 hours', now() - interval '2 hours' - g * interval '1 millisecond', now() - interval '8 days'
       from generate_series(1, 250000) g`,
      [bulk.communityId, bulkWebhook],
    );
    await conn.query(
      `insert into attempts (delivery_id, attempt_number, started_at, duration_ms, request_url, request_headers, response_status, response_headers, response_body)
       select 'dlv_bulk_' || g, n, now() - interval '2 hours', 12, $1,
              jsonb_build_object('content-type', 'application/json', 'user-agent', 'Hookline/0.1', 'webhook-id', 'dlv_bulk_' || g,
                                 'webhook-timestamp', '1796162821', 'webhook-signature', 'v1,' || encode(sha256(g::text::bytea), 'base64')),
              case when n = 1 then 503 else 200 end, '{"content-type": "text/plain"}'::jsonb,
              encode(sha256((g * 2 + n)::text::bytea), 'hex') || encode(sha256((g * 3 + n)::text::bytea), 'hex')
       from generate_series(1, 250000) g, generate_series(1, 2) n`,
      [`${rx.origin}/growth-bulk?n=0`],
    );
    await conn.query('commit');
  } catch (error) {
    await conn.query('rollback');
    throw error;
  } finally {
    conn.release();
  }
  await db.pool.query('analyze deliveries; analyze attempts; analyze events');
  const madeSeconds = (Date.now() - made) / 1000;
  const beforePurge = await tableSizes(db);

  // a window with no purge, then the purge, both under the steady load still running
  const BASELINE_MS = 30_000;
  let stage: string | undefined = 'no purge';
  const io = ioSampler(db, () => stage);
  const baseFrom = Date.now();
  progress('growth: a window of steady load without the purge');
  await sleep(BASELINE_MS);
  const baseTo = Date.now();
  await schedule.unpause('bench: the 1,000,000-row purge');
  const triggered = await hookline.call<Run & { started: boolean }>('POST', '/v1/purge-runs', {}, hookline.adminToken, 202);
  const purgeFrom = Date.parse(triggered.startedAt);
  let vacuumAt: number | undefined;
  let lockWaitSamples = 0;
  let samples = 0;
  let maxLockWaiters = 0;
  let finished: Run | undefined;
  for (;;) {
    const waits = await db.pool.query<{ n: string }>(
      `select count(*)::text as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    const waiting = Number(waits.rows[0]!.n);
    samples += 1;
    if (waiting > 0) lockWaitSamples += 1;
    maxLockWaiters = Math.max(maxLockWaiters, waiting);
    const run = await latestRun(hookline);
    if (run && run.workflowId === triggered.workflowId) {
      stage = run.stage ?? stage;
      if (vacuumAt === undefined && (run.stage === 'vacuum' || run.stage === 'done')) vacuumAt = Date.now();
      if (run.status !== 'running') {
        finished = run;
        break;
      }
      progress(`growth: purging 1,000,000 rows: ${rowsOf(run)} deleted (${run.stage})`);
    }
    await sleep(200);
  }
  const purgeTo = Date.parse(finished.closedAt ?? new Date().toISOString());
  stage = 'after';
  await sleep(10_000);
  await io.stop();
  await load.stop();
  const afterPurge = await tableSizes(db);
  const deleted = rowsOf(finished);
  const deleteSeconds = ((vacuumAt ?? purgeTo) - purgeFrom) / 1000;
  const totalSeconds = (purgeTo - purgeFrom) / 1000;

  return {
    env: GROWTH_ENV,
    sustainedMaxPerSecond: max.perSecond.median,
    loadPerSecond: Number(halfRate.toFixed(1)),
    bytesPerDelivery,
    steady: steadyGrowthPercent === undefined ? undefined : { cycles, growthPercentOverLastHalf: steadyGrowthPercent, errors: load.errors() },
    bulk: {
      rowsMade: 1_000_000,
      madeInSeconds: Number(madeSeconds.toFixed(1)),
      run: finished,
      deleted,
      deleteSeconds: Number(deleteSeconds.toFixed(1)),
      totalSecondsWithVacuum: Number(totalSeconds.toFixed(1)),
      rowsPerSecond: Math.round(deleted / deleteSeconds),
      rowsPerSecondWithVacuum: Math.round(deleted / totalSeconds),
      lockWaits: { samplesWithAWaiter: lockWaitSamples, samples, maxWaiters: maxLockWaiters },
      mbBefore: { ...Object.fromEntries(TABLES.map((t) => [t, mb(beforePurge[t].total)])), total: mb(totalOf(beforePurge)) },
      mbAfter: { ...Object.fromEntries(TABLES.map((t) => [t, mb(afterPurge[t].total)])), total: mb(totalOf(afterPurge)) },
      latencyWithoutPurgeMs: await latencies(rx, load.accepted, baseFrom, baseTo),
      latencyDuringPurgeMs: await latencies(rx, load.accepted, purgeFrom, purgeTo),
      latencyWhileDeletingMs: await latencies(rx, load.accepted, purgeFrom, vacuumAt ?? purgeTo),
      latencyWhileVacuumingMs: vacuumAt ? await latencies(rx, load.accepted, vacuumAt, purgeTo) : undefined,
      timeline: timeline(rx, load.accepted, io.samples, baseFrom, purgeTo + 10_000, purgeFrom),
    },
  };
}
