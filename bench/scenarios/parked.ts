import { cpuSeconds, descendants, progress, rssMb, sleep, spread } from '../lib.js';
import { type BenchDatabase, type Hookline, type Receiver, type TemporalServer, temporalStorageBytes } from '../stack.js';
import { subscribe, eventIssue, temporalPids } from './measure.js';
import { type Profile } from './profile.js';

/** parked: worker memory and CPU while 10,000 deliveries wait for their retry. */
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
