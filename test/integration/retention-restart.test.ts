import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Hookline, LOG_DIR, startHookline } from '../support/harness.js';

/**
 * A worker killed (SIGKILL, a real worker process) in the middle of a purge: nothing half-deleted
 * (every delivery left has all of its attempts), nothing purged that should stay, and once another
 * worker takes the purge over (after the step's heartbeat timeout) everything that should go is
 * gone. The rows are made with SQL, many enough that the purge takes a few seconds.
 */
let hookline: Hookline;
let child: ChildProcess | undefined;

const N = 30_000;
const GENERATED = `dlv_gen_%`;

beforeAll(async () => {
  hookline = await startHookline({ RETENTION: '5s', PURGE_INTERVAL: '1h' }, { worker: false });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await hookline?.stop();
});

/** src/worker-main.ts as its own process, configured like the harness's API. */
async function startWorkerProcess(): Promise<ChildProcess> {
  const { config } = hookline;
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(path.join(LOG_DIR, `retention-restart-worker-${Date.now()}.log`));
  const worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker-main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: config.databaseUrl,
      TEMPORAL_ADDRESS: config.temporal.address!,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      SECRETS_KEY: config.secretsKey,
      ADMIN_TOKEN: config.adminToken,
      RETENTION: '5s',
      PURGE_INTERVAL: '1h',
      DELIVERY_ALLOW_HTTP: 'true',
      DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stderr!.pipe(log);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    worker.stdout!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString('utf8');
      if (seen.includes('"msg":"worker running"')) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`the worker process exited (${code}) before it ran`)));
  });
  return worker;
}

const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(hookline.db)).rows[0]!.n;
const generated = (status: string) =>
  count(sql<{ n: number }>`select count(*)::int as n from deliveries where id like ${GENERATED} and status = ${status}`);
/** Deliveries without all of their attempts, and attempts without their delivery: both must stay 0. */
const halfDeleted = () =>
  count(sql<{ n: number }>`select ((select count(*) from deliveries d where d.id like ${GENERATED} and (select count(*) from attempts a where a.delivery_id = d.id) <> 2)
    + (select count(*) from attempts a where not exists (select 1 from deliveries d where d.id = a.delivery_id)))::int as n`);

describe('a worker killed mid-purge', () => {
  it('leaves nothing half-deleted and nothing wrongly purged; the next worker finishes the purge', async () => {
    const { communityId, key } = await hookline.newCommunity('Restart');
    const webhook = await hookline.call('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/never', events: ['user.joined'] }, key);
    const webhookId = webhook.body.data.id as string;
    // N deliveries an hour old, each with its event and two attempts: 1% pending, 1% failed a
    // moment ago (their workflow would still wait for a replay), the rest succeeded
    await sql`insert into events (id, community_id, type, occurred_at, data, created_at)
      select 'evt_gen_' || g, ${communityId}, 'user.joined', now() - interval '1 hour', '{"n": 1}'::jsonb, now() - interval '1 hour'
      from generate_series(1, ${N}::int) g`.execute(hookline.db);
    await sql`insert into deliveries (id, community_id, event_id, webhook_id, event_type, status, attempt_count, dispatched_at, created_at, updated_at)
      select 'dlv_gen_' || g, ${communityId}, 'evt_gen_' || g, ${webhookId}, 'user.joined',
             case g % 100 when 0 then 'pending' when 1 then 'failed' else 'succeeded' end, 2,
             now() - interval '1 hour', now() - interval '1 hour',
             case g % 100 when 1 then now() else now() - interval '1 hour' end
      from generate_series(1, ${N}::int) g`.execute(hookline.db);
    await sql`insert into attempts (delivery_id, attempt_number, started_at, duration_ms, request_url, request_headers, response_status, response_headers, response_body)
      select 'dlv_gen_' || g, n, now() - interval '1 hour', 12, 'http://127.0.0.1:9/never', '{}'::jsonb, 200, '{}'::jsonb, repeat('x', 400)
      from generate_series(1, ${N}::int) g, generate_series(1, 2) n`.execute(hookline.db);
    await sql`analyze deliveries`.execute(hookline.db);
    const toPurge = N - 2 * (N / 100);
    expect(await generated('succeeded')).toBe(toPurge);

    child = await startWorkerProcess();
    const run = await hookline.call('POST', '/v1/purge-runs', {});
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    expect(run.body.data.started).toBe(true);
    const workflowId = run.body.data.workflowId as string;

    // kill it once the purge is under way, well before its end
    await eventually(async () => ((await generated('succeeded')) <= toPurge - 1000 ? true : undefined), 60_000, 10);
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    child = undefined;
    const leftAtKill = await generated('succeeded');
    expect(leftAtKill, 'the purge was still going when its worker died').toBeGreaterThan(3000);
    expect(await halfDeleted()).toBe(0);
    expect(await generated('pending')).toBe(N / 100);
    expect(await generated('failed')).toBe(N / 100);

    // another worker picks the step up after its heartbeat timeout and goes on from its last heartbeat
    await hookline.startWorker();
    const finished = await eventually(async () => {
      const latest = (await hookline.call('GET', '/v1/purge-runs/latest')).body.data;
      return latest.workflowId === workflowId && latest.status !== 'running' ? latest : undefined;
    }, 120_000, 500);
    expect(finished.status).toBe('completed');
    expect(finished.stage).toBe('done');

    expect(await generated('succeeded')).toBe(0);
    expect(await halfDeleted()).toBe(0);
    expect(await generated('pending')).toBe(N / 100);
    expect(await generated('failed')).toBe(N / 100);
    // the events of what went, gone; of what stays, kept
    const events = await count(sql<{ n: number }>`select count(*)::int as n from events where id like 'evt_gen_%'`);
    expect(events).toBe(2 * (N / 100));
    // the counts never overstate: rows the dead worker deleted after the last heartbeat Temporal
    // received are gone but uncounted by the run (hookline_purged_rows_total counted them there)
    expect(finished.deleted.deliveries).toBeLessThanOrEqual(toPurge);
    expect(finished.deleted.deliveries).toBeGreaterThanOrEqual(toPurge - (toPurge - leftAtKill) - 1);
    expect(finished.deleted.attempts).toBe(2 * finished.deleted.deliveries);
    expect(finished.vacuumed).toEqual(expect.arrayContaining(['deliveries', 'attempts', 'events']));
  }, 240_000);
});
