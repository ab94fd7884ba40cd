import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDurationList } from '../../src/durations.js';
import { DELIVERY_STATUS } from '../../src/contract/search-attributes.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { startTimeSkippingTemporal } from '../support/time-skipping.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * The retry schedule in workflow time, on Temporal's time-skipping test server: the default
 * schedule's 28 hours, an hour-long Retry-After and the hourly re-check of a held delivery run in
 * seconds. Attempts are real (real worker, Postgres, HTTP receiver); only timers are skipped, so
 * offsets are read from the history's event times (workflow time), not from the attempt rows
 * (the activity's wall clock).
 */
let temporal: TestWorkflowEnvironment;
let hookline: Hookline;
let receiver: TestReceiver;
let community: { communityId: string; key: string };

beforeAll(async () => {
  temporal = await startTimeSkippingTemporal();
  // empty means unset: the schedule, jitter and retention are the configuration's defaults
  hookline = await startHookline(
    { DELIVERY_RETRY_SCHEDULE: '', DELIVERY_RETRY_JITTER: '', DELIVERY_REPLAY_RETENTION: '' },
    { temporalAddress: temporal.address },
  );
  receiver = await TestReceiver.start();
  community = await hookline.newCommunity();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
  await temporal?.teardown();
});

const DEFAULT_SCHEDULE_MS = (() => {
  const parsed = parseDurationList('5s,5m,30m,2h,5h,10h,10h');
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.ms;
})();
/** Real time an attempt and its workflow tasks take between two timers (workflow time runs on). */
const SLACK_MS = 3_000;

async function webhookAt(path: string): Promise<string> {
  const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', path), events: ['user.joined'] }, community.key);
  expect(created.status).toBe(201);
  return created.body.data.id;
}

async function emit(webhookId: string): Promise<string> {
  const emitted = await hookline.call(
    'POST',
    '/v1/events',
    { type: 'user.joined', data: { user: { id: 'u', username: 'ada' }, joinedAt: '2026-11-29T10:00:00Z' } },
    community.key,
  );
  expect(emitted.status).toBe(202);
  return emitted.body.data.deliveries.find((d: { webhookId: string }) => d.webhookId === webhookId).id;
}

/**
 * Workflow-time milliseconds at which each attempt began. An attempt is a local activity: it runs
 * inside a workflow task and leaves a marker when that task completes, so it began when the
 * workflow task before its marker started.
 */
async function attemptTimes(deliveryId: string): Promise<number[]> {
  const history = await temporal.client.workflow.getHandle(`delivery-${deliveryId}`).fetchHistory();
  const times: number[] = [];
  let taskStartedAt = 0;
  for (const e of history.events ?? []) {
    const at = Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);
    if (e.workflowTaskStartedEventAttributes) taskStartedAt = at;
    if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') times.push(taskStartedAt);
  }
  return times;
}

const gapsOf = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('the retry schedule on the time-skipping server', () => {
  it('runs the default schedule: 8 attempts at 5s,5m,30m,2h,5h,10h,10h ±20%, then failed', async () => {
    const webhookId = await webhookAt('/down');
    receiver.responder = (a) => (a.path === '/down' ? { status: 500, body: 'down' } : { status: 200 });
    const started = performance.now();
    const deliveryId = await emit(webhookId);

    const handle = temporal.client.workflow.getHandle(`delivery-${deliveryId}`);
    // awaiting the result lets the server skip every timer, the 7-day replay retention included
    expect(await handle.result()).toBe('failed');
    const realSeconds = (performance.now() - started) / 1000;

    const gaps = gapsOf(await attemptTimes(deliveryId));
    expect(gaps).toHaveLength(7);
    gaps.forEach((gap, i) => {
      const nominal = DEFAULT_SCHEDULE_MS[i]!;
      expect(gap, `wait after attempt ${i + 1}`).toBeGreaterThanOrEqual(nominal * 0.8);
      expect(gap, `wait after attempt ${i + 1}`).toBeLessThanOrEqual(nominal * 1.2 + SLACK_MS);
    });
    // the jitter is real: waits are not the nominal values
    expect(gaps.filter((gap, i) => Math.abs(gap / DEFAULT_SCHEDULE_MS[i]! - 1) > 0.01).length).toBeGreaterThan(0);
    const spanHours = gaps.reduce((a, b) => a + b, 0) / 3_600_000;
    expect(spanHours).toBeGreaterThan(27.6 * 0.8);
    expect(spanHours).toBeLessThan(27.6 * 1.2);

    const read = await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, community.key);
    expect(read.body.data.status).toBe('failed');
    expect(read.body.data.nextAttemptAt).toBeNull();
    // newest first
    expect(read.body.data.attempts.map((a: { attemptNumber: number }) => a.attemptNumber)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(new Set(read.body.data.attempts.map((a: { error: { code: string } }) => a.error.code))).toEqual(new Set(['http_500']));
    const arrivals = receiver.arrivals.filter((a) => a.path === '/down');
    expect(arrivals.map((a) => a.headers[HEADER.attempt])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(new Set(arrivals.map((a) => a.headers[HEADER.webhookId]))).toEqual(new Set([deliveryId]));

    const described = await handle.describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(described.typedSearchAttributes.get(DELIVERY_STATUS)).toBe('failed');
    // 8 attempts, 7 retry timers and the retention wait: 94 events, far below Temporal's limits
    expect((await handle.fetchHistory()).events!.length).toBeLessThanOrEqual(94);
    // 28 hours of schedule and 7 days of retention, in seconds of real time
    expect(realSeconds).toBeLessThan(30);
  });

  it('honours Retry-After: 7 on a 429 (the next attempt ≥ 7 s later) and caps a 503\'s at an hour', async () => {
    const webhookId = await webhookAt('/busy');
    let calls = 0;
    receiver.responder = (a) => {
      if (a.path !== '/busy') return { status: 200 };
      calls += 1;
      if (calls === 1) return { status: 429, headers: { 'retry-after': '7' } };
      if (calls === 2) return { status: 503, headers: { 'retry-after': '7200' } };
      return { status: 200 };
    };
    // The Retry-After also pauses the whole webhook, in Postgres and in wall-clock time (the pause is
    // shared by every worker); this server skips workflow time only. So here the pause ends as it is
    // set (a trigger on this test's own database), as its hour would pass on a real server, and what
    // is measured is the delivery's own wait.
    await sql`create or replace function test_pause_passes() returns trigger language plpgsql as $$ begin new.paused_until := null; return new; end $$`.execute(hookline.db);
    await sql`create trigger test_pause_passes before insert or update on webhook_flow for each row execute function test_pause_passes()`.execute(hookline.db);
    const deliveryId = await emit(webhookId);
    try {
      expect(await temporal.client.workflow.getHandle(`delivery-${deliveryId}`).result()).toBe('succeeded');
    } finally {
      await sql`drop trigger test_pause_passes on webhook_flow`.execute(hookline.db);
    }

    const [afterTooMany, afterUnavailable] = gapsOf(await attemptTimes(deliveryId));
    // the schedule alone would wait 5 s ±20%, at most 6 s
    expect(afterTooMany).toBeGreaterThanOrEqual(7_000);
    expect(afterTooMany).toBeLessThan(7_000 + SLACK_MS);
    // the schedule's 5 min is lengthened to the Retry-After, capped at one hour
    expect(afterUnavailable).toBeGreaterThanOrEqual(3_600_000);
    expect(afterUnavailable).toBeLessThan(3_600_000 + SLACK_MS);
  });

  it('resumes a held delivery at its hourly re-check when the resume signal never came', async () => {
    const webhookId = await webhookAt('/held');
    receiver.responder = (a) => (a.path === '/held' ? { status: 500 } : { status: 200 });
    const deliveryId = await emit(webhookId);
    await eventually(async () => (receiver.arrivals.some((a) => a.path === '/held') ? true : undefined));
    // disabled behind the API's back (no signals), during the first retry wait
    await hookline.db.updateTable('webhooks').set({ active: false, disabled_reason: 'disabled' }).where('id', '=', webhookId).execute();
    const handle = temporal.client.workflow.getHandle(`delivery-${deliveryId}`);
    await temporal.sleep('10s');
    const held = await eventually(async () => {
      const state = await handle.query<{ phase: string; attemptsMade: number }>('deliveryState');
      return state.phase === 'held' ? state : undefined;
    });
    expect(held.attemptsMade).toBe(1);

    receiver.responder = () => ({ status: 200 });
    await hookline.db.updateTable('webhooks').set({ active: true, disabled_reason: null }).where('id', '=', webhookId).execute();
    expect(await handle.result()).toBe('succeeded');
    const arrivals = receiver.arrivals.filter((a) => a.path === '/held');
    expect(arrivals.map((a) => a.headers[HEADER.attempt])).toEqual(['1', '2']);
    const [, resumedAfter] = gapsOf(await attemptTimes(deliveryId));
    // the held check and the attempt are one activity each; the re-check comes an hour after the hold
    expect(resumedAfter).toBeGreaterThanOrEqual(3_600_000);
  });

  it('continues a delivery held for days as new, keeping its place in the schedule', async () => {
    const webhookId = await webhookAt('/long-hold');
    receiver.responder = (a) => (a.path === '/long-hold' ? { status: 500 } : { status: 200 });
    const deliveryId = await emit(webhookId);
    await eventually(async () => (receiver.arrivals.some((a) => a.path === '/long-hold') ? true : undefined));
    await hookline.db.updateTable('webhooks').set({ active: false, disabled_reason: 'disabled' }).where('id', '=', webhookId).execute();
    const handle = temporal.client.workflow.getHandle(`delivery-${deliveryId}`);
    const firstRunId = (await handle.describe()).runId;

    // hourly re-checks (6 events each) for eight days: past 1,000 history events the workflow
    // carries on in a new run
    await temporal.sleep('8 days');
    const described = await handle.describe();
    expect(described.runId).not.toBe(firstRunId);
    expect(described.status.name).toBe('RUNNING');
    expect((await handle.query<{ phase: string; nextAttemptNumber: number }>('deliveryState')).nextAttemptNumber).toBe(2);

    receiver.responder = () => ({ status: 200 });
    const enabled = await hookline.call('PATCH', `/v1/webhooks/${webhookId}`, { active: true }, community.key);
    expect(enabled.status).toBe(200);
    expect(await handle.result()).toBe('succeeded');
    expect(receiver.arrivals.filter((a) => a.path === '/long-hold').map((a) => a.headers[HEADER.attempt])).toEqual(['1', '2']);
    expect(described.typedSearchAttributes.get(DELIVERY_STATUS)).toBe('pending');
  });
});
