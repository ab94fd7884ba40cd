/**
 * Records golden histories of Hookline's workflows from real runs into test/histories/, for
 * test/integration/replay-histories.test.ts to replay against the current workflow code: a change
 * that would break running deliveries then fails the tests (and belongs behind `patched()`).
 *
 *   npx tsx scripts/record-histories.ts            # every scenario
 *   npx tsx scripts/record-histories.ts success    # only the named ones
 *
 * Runs everything for real, as the integration tests do: a Temporal dev server (the `temporal`
 * CLI, in memory), a scratch Postgres database, the API, a worker and a loopback receiver. Record
 * again only on purpose (a new workflow shape); an old history must keep replaying.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { sql } from 'kysely';
import { dropDatabase, ensureDatabase, migrate } from '../src/db/migrate.js';
import { waitForServer } from '../src/temporal/dev-server.js';
import { devServerSearchAttributeFlags } from '../src/temporal/search-attributes.js';
import { freePort } from '../test/support/free-port.js';
import { eventually, type Hookline, startHookline } from '../test/support/harness.js';
import { TestReceiver } from '../test/support/receiver.js';
import { HEADER } from '../src/wire/headers.js';

const OUT_DIR = fileURLToPath(new URL('../test/histories/', import.meta.url));

interface Recorded {
  workflowId: string;
  runId?: string;
}

type Scenario = (ctx: Context) => Promise<Recorded>;

interface Context {
  hookline: Hookline;
  receiver: TestReceiver;
  /** A community with one webhook at `path`, so its events reach that webhook alone. */
  webhook(path: string, settings?: Record<string, unknown>): Promise<Webhook>;
}

interface Webhook {
  id: string;
  key: string;
  emit(): Promise<string>;
  call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>;
  arrivals(): number;
}

const workflowIdOf = (deliveryId: string) => `delivery-${deliveryId}`;

async function statusOf(hook: Webhook, deliveryId: string): Promise<string> {
  return (await hook.call('GET', `/v1/deliveries/${deliveryId}`)).body.data.status;
}

async function phaseOf(ctx: Context, deliveryId: string): Promise<string> {
  return (await ctx.hookline.temporal.workflow.getHandle(workflowIdOf(deliveryId)).query<{ phase: string }>('deliveryState')).phase;
}

/** Respond per path; everything else 200. */
function respond(ctx: Context, path: string, answer: (attempt: number) => { status: number; headers?: Record<string, string> }) {
  const previous = ctx.receiver.responder;
  ctx.receiver.responder = (arrival, index) =>
    arrival.path === path ? answer(Number(arrival.headers[HEADER.attempt])) : previous(arrival, index);
}

const scenarios: Record<string, Scenario> = {
  /** One attempt, 200. */
  async success(ctx) {
    const hook = await ctx.webhook('/success');
    const deliveryId = await hook.emit();
    await eventually(async () => ((await statusOf(hook, deliveryId)) === 'succeeded' ? true : undefined));
    return { workflowId: workflowIdOf(deliveryId) };
  },

  /** 500, then 429 with Retry-After, then 200: two timers, three attempts. */
  async retries(ctx) {
    const hook = await ctx.webhook('/retries');
    respond(ctx, '/retries', (n) => (n === 1 ? { status: 500 } : n === 2 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const deliveryId = await hook.emit();
    await eventually(async () => ((await statusOf(hook, deliveryId)) === 'succeeded' ? true : undefined));
    return { workflowId: workflowIdOf(deliveryId) };
  },

  /** The schedule spent, the replay retention waited out, the workflow closed as failed. */
  async failed(ctx) {
    const hook = await ctx.webhook('/failed');
    respond(ctx, '/failed', () => ({ status: 503 }));
    const deliveryId = await hook.emit();
    const handle = ctx.hookline.temporal.workflow.getHandle(workflowIdOf(deliveryId));
    await handle.result();
    return { workflowId: handle.workflowId };
  },

  /** Failed, then replayed by signal while its workflow still waits: attempt 4 succeeds, same run. */
  async 'replay-waiting'(ctx) {
    const hook = await ctx.webhook('/replay-waiting');
    let up = false;
    respond(ctx, '/replay-waiting', () => ({ status: up ? 200 : 500 }));
    const deliveryId = await hook.emit();
    await eventually(async () => ((await phaseOf(ctx, deliveryId)) === 'waiting_replay' ? true : undefined));
    up = true;
    await hook.call('POST', `/v1/deliveries/${deliveryId}/replay`);
    await eventually(async () => ((await statusOf(hook, deliveryId)) === 'succeeded' ? true : undefined));
    return { workflowId: workflowIdOf(deliveryId) };
  },

  /** Failed, closed, then replayed: a new run started by signal-with-start, attempt 4 succeeds. */
  async 'replay-closed'(ctx) {
    const hook = await ctx.webhook('/replay-closed');
    let up = false;
    respond(ctx, '/replay-closed', () => ({ status: up ? 200 : 500 }));
    const deliveryId = await hook.emit();
    const handle = ctx.hookline.temporal.workflow.getHandle(workflowIdOf(deliveryId));
    await handle.result();
    up = true;
    await hook.call('POST', `/v1/deliveries/${deliveryId}/replay`);
    await eventually(async () => ((await statusOf(hook, deliveryId)) === 'succeeded' ? true : undefined));
    const rerun = await ctx.hookline.temporal.workflow.getHandle(workflowIdOf(deliveryId)).describe();
    return { workflowId: rerun.workflowId, runId: rerun.runId };
  },

  /** Attempt 1 fails, the webhook is disabled, the retry holds, enabling it resumes: attempt 2 succeeds. */
  async 'hold-resume'(ctx) {
    const hook = await ctx.webhook('/hold');
    respond(ctx, '/hold', (n) => ({ status: n === 1 ? 500 : 200 }));
    const deliveryId = await hook.emit();
    await eventually(async () => (hook.arrivals() === 1 ? true : undefined));
    await hook.call('PATCH', `/v1/webhooks/${hook.id}`, { active: false });
    await eventually(async () => ((await phaseOf(ctx, deliveryId)) === 'held' ? true : undefined));
    await hook.call('PATCH', `/v1/webhooks/${hook.id}`, { active: true });
    await eventually(async () => ((await statusOf(hook, deliveryId)) === 'succeeded' ? true : undefined));
    return { workflowId: workflowIdOf(deliveryId) };
  },

  /** 410 Gone: failed at once (the webhook disabled), the retention waited out. */
  async gone(ctx) {
    const hook = await ctx.webhook('/gone');
    respond(ctx, '/gone', () => ({ status: 410 }));
    const deliveryId = await hook.emit();
    const handle = ctx.hookline.temporal.workflow.getHandle(workflowIdOf(deliveryId));
    await handle.result();
    return { workflowId: handle.workflowId };
  },

  /** Waiting for a retry when its webhook is deleted: the cancel signal ends it. */
  async cancelled(ctx) {
    const hook = await ctx.webhook('/cancelled');
    respond(ctx, '/cancelled', () => ({ status: 500 }));
    const deliveryId = await hook.emit();
    await eventually(async () => ((await phaseOf(ctx, deliveryId)) === 'waiting_retry' ? true : undefined));
    await hook.call('DELETE', `/v1/webhooks/${hook.id}`);
    const handle = ctx.hookline.temporal.workflow.getHandle(workflowIdOf(deliveryId));
    await handle.result();
    return { workflowId: handle.workflowId };
  },

  /** Flow control: the webhook's one slot is taken, the second delivery waits in its queue for the admit signal. */
  async 'flow-queue'(ctx) {
    const hook = await ctx.webhook('/flow-queue', { maxConcurrency: 1 });
    const previous = ctx.receiver.responder;
    ctx.receiver.responder = (arrival, index) => (arrival.path === '/flow-queue' ? { status: 200, delayMs: 600 } : previous(arrival, index));
    const first = await hook.emit();
    await eventually(async () => (hook.arrivals() === 1 ? true : undefined));
    const second = await hook.emit();
    for (const id of [first, second]) await eventually(async () => ((await statusOf(hook, id)) === 'succeeded' ? true : undefined));
    await ctx.hookline.temporal.workflow.getHandle(workflowIdOf(second)).result();
    return { workflowId: workflowIdOf(second) };
  },

  /** Flow control: one attempt every two seconds; the second delivery's slot starts later, a timer waits for it. */
  async 'flow-rate'(ctx) {
    const hook = await ctx.webhook('/flow-rate', { rateLimitPerSecond: 0.5 });
    const first = await hook.emit();
    const second = await hook.emit();
    for (const id of [first, second]) await eventually(async () => ((await statusOf(hook, id)) === 'succeeded' ? true : undefined));
    await ctx.hookline.temporal.workflow.getHandle(workflowIdOf(second)).result();
    return { workflowId: workflowIdOf(second) };
  },

  /** Flow control: a receiver that took 1.5 s is slow; the next delivery's attempt is made as a normal activity. */
  async 'flow-remote'(ctx) {
    const hook = await ctx.webhook('/flow-remote');
    const previous = ctx.receiver.responder;
    ctx.receiver.responder = (arrival, index) => (arrival.path === '/flow-remote' ? { status: 200, delayMs: 1500 } : previous(arrival, index));
    const first = await hook.emit();
    await eventually(async () => ((await statusOf(hook, first)) === 'succeeded' ? true : undefined));
    const second = await hook.emit();
    await eventually(async () => ((await statusOf(hook, second)) === 'succeeded' ? true : undefined));
    await ctx.hookline.temporal.workflow.getHandle(workflowIdOf(second)).result();
    return { workflowId: workflowIdOf(second) };
  },

  /** FIFO: the first delivery fails once and retries; the second waits for it to be final, then goes. */
  async 'fifo-wait'(ctx) {
    const hook = await ctx.webhook('/fifo-wait', { ordering: 'fifo' });
    let failed = false;
    respond(ctx, '/fifo-wait', () => (failed ? { status: 200 } : ((failed = true), { status: 500 })));
    const first = await hook.emit();
    const second = await hook.emit();
    for (const id of [first, second]) await eventually(async () => ((await statusOf(hook, id)) === 'succeeded' ? true : undefined));
    await ctx.hookline.temporal.workflow.getHandle(workflowIdOf(second)).result();
    return { workflowId: workflowIdOf(second) };
  },

  /** A bulk replay job over three failed deliveries. */
  async 'replay-job'(ctx) {
    const hook = await ctx.webhook('/replay-job');
    let up = false;
    respond(ctx, '/replay-job', () => ({ status: up ? 200 : 500 }));
    const since = new Date(Date.now() - 60_000).toISOString();
    const ids = [await hook.emit(), await hook.emit(), await hook.emit()];
    for (const id of ids) await eventually(async () => ((await statusOf(hook, id)) === 'failed' ? true : undefined));
    up = true;
    const job = (await hook.call('POST', `/v1/webhooks/${hook.id}/replay`, { since })).body.data;
    const handle = ctx.hookline.temporal.workflow.getHandle(job.temporal.workflowId);
    await handle.result();
    return { workflowId: handle.workflowId };
  },

  /** A purge run (docs/retention.md) that deletes one delivery 40 days old, its attempt and event, then vacuums. */
  async purge(ctx) {
    const hook = await ctx.webhook('/purge');
    const deliveryId = await hook.emit();
    await eventually(async () => ((await statusOf(hook, deliveryId)) === 'succeeded' ? true : undefined));
    const { db } = ctx.hookline;
    const old = sql<Date>`now() - interval '40 days'`;
    await db.updateTable('deliveries').set({ created_at: old, updated_at: old }).where('id', '=', deliveryId).execute();
    await db
      .updateTable('events')
      .set({ created_at: old })
      .where('id', 'in', db.selectFrom('deliveries').select('event_id').where('id', '=', deliveryId))
      .execute();
    const run = await ctx.hookline.call('POST', '/v1/purge-runs', {});
    if (run.status !== 202) throw new Error(`could not run the purge: ${JSON.stringify(run.body)}`);
    const handle = ctx.hookline.temporal.workflow.getHandle(run.body.data.workflowId);
    const result = await handle.result();
    if (result.deleted.deliveries < 1) throw new Error(`the purge deleted nothing: ${JSON.stringify(result)}`);
    return { workflowId: handle.workflowId };
  },
};

/** Saved as test/histories/<name>.json; the delivery shapes as delivery-<name>.json. */
const OWN_NAMES = ['replay-job', 'purge'];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in scenarios));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  const names = wanted.length > 0 ? wanted : Object.keys(scenarios);

  const port = await freePort();
  const temporal: ChildProcess = spawn(
    process.env.TEMPORAL_CLI_PATH ?? 'temporal',
    ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'never', ...devServerSearchAttributeFlags()],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const templateUrl = `postgres://postgres@127.0.0.1:5432/hookline_histories_${process.pid}`;
  let hookline: Hookline | undefined;
  let receiver: TestReceiver | undefined;
  try {
    await waitForServer(`127.0.0.1:${port}`, 30_000);
    await ensureDatabase(templateUrl);
    await migrate(templateUrl);
    hookline = await startHookline(
      { DELIVERY_RETRY_SCHEDULE: '1s,1s', DELIVERY_RETRY_JITTER: '0', DELIVERY_REPLAY_RETENTION: '2s', LOG_LEVEL: 'warn' },
      { temporalAddress: `127.0.0.1:${port}`, databaseTemplateUrl: templateUrl },
    );
    const running = hookline;
    const rx = await TestReceiver.start();
    receiver = rx;
    rx.responder = () => ({ status: 200 });
    const ctx: Context = {
      hookline: running,
      receiver: rx,
      async webhook(urlPath, settings = {}) {
        const community = await running.newCommunity(urlPath);
        const call = (method: string, url: string, body?: unknown) => running.call(method, url, body, community.key);
        const created = await call('POST', '/v1/webhooks', { url: rx.url.replace('/hook', urlPath), events: ['user.joined'], ...settings });
        if (created.status !== 201) throw new Error(`could not create a webhook: ${JSON.stringify(created.body)}`);
        let seq = 0;
        return {
          id: created.body.data.id,
          key: community.key,
          call,
          arrivals: () => rx.arrivals.filter((a) => a.path === urlPath).length,
          async emit() {
            const emitted = await call('POST', '/v1/events', {
              type: 'user.joined',
              data: { user: { id: `${urlPath}-${++seq}`, username: 'ada' }, joinedAt: '2026-11-29T10:00:00Z' },
            });
            return emitted.body.data.deliveries[0].id as string;
          },
        };
      },
    };

    mkdirSync(OUT_DIR, { recursive: true });
    for (const name of names) {
      const started = performance.now();
      const recorded = await scenarios[name]!(ctx);
      const history = await running.temporal.workflow.getHandle(recorded.workflowId, recorded.runId).fetchHistory();
      const file = path.join(OUT_DIR, `${OWN_NAMES.includes(name) ? name : `delivery-${name}`}.json`);
      writeFileSync(file, `${historyToJSON(history)}\n`);
      process.stdout.write(
        `${path.relative(process.cwd(), file)}: ${history.events?.length ?? 0} events (${Math.round(performance.now() - started)} ms)\n`,
      );
    }
  } finally {
    await receiver?.stop();
    await hookline?.stop();
    temporal.kill('SIGTERM');
    await dropDatabase(templateUrl).catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
