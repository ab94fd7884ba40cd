import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { msToTs, tsToMs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNamespaceRetention } from '../../src/temporal/namespace.js';
import { ensurePurgeSchedule, purgeScheduleId, triggerPurge } from '../../src/temporal/purge.js';
import { registerSearchAttributes } from '../../src/temporal/search-attributes.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';

/**
 * The purge's Temporal side: the schedule is created once and updated when its settings change
 * (idempotently, a paused one stays paused), overlapping runs are skipped rather than stacked, and
 * the namespace's retention of closed workflows is set without touching the rest of its config.
 */
let hookline: Hookline;

beforeAll(async () => {
  hookline = await startHookline({}, { worker: false });
});
afterAll(async () => {
  await hookline?.stop();
});

/** A configuration on a task queue of its own, which no worker polls: its runs stay open. */
function configOn(taskQueue: string, purgeInterval = 3_600_000) {
  return { ...hookline.config, temporal: { ...hookline.config.temporal, taskQueue }, retention: { ...hookline.config.retention, purgeIntervalMs: purgeInterval } };
}

describe('the purge schedule', () => {
  it('is created once, updated when PURGE_INTERVAL or RETENTION changes, and a paused one stays paused', async () => {
    const config = configOn(`purge-test-${randomBytes(4).toString('hex')}`);
    const id = purgeScheduleId(config.temporal.taskQueue);
    expect(id).toBe(`hookline-purge-${config.temporal.taskQueue}`);
    expect(purgeScheduleId('hookline')).toBe('hookline-purge');
    const handle = hookline.temporal.schedule.getHandle(id);
    try {
      expect(await ensurePurgeSchedule(hookline.temporal, config)).toEqual({ scheduleId: id, outcome: 'created' });
      expect((await ensurePurgeSchedule(hookline.temporal, config)).outcome).toBe('unchanged');
      // several workers starting at once: one creates, the others find it as it should be
      const together = await Promise.all([1, 2, 3].map(() => ensurePurgeSchedule(hookline.temporal, config)));
      expect(together.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);

      let described = await handle.describe();
      expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);
      expect(described.policies.overlap).toBe('SKIP');
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'purgeWorkflow', taskQueue: config.temporal.taskQueue, workflowId: id });
      expect((described.action as { args: unknown[] }).args).toEqual([{ retentionMs: 30 * 86_400_000, replayRetentionMs: 7 * 86_400_000 }]);

      const every15m = configOn(config.temporal.taskQueue, 15 * 60_000);
      expect((await ensurePurgeSchedule(hookline.temporal, every15m)).outcome).toBe('updated');
      described = await handle.describe();
      expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 15 * 60_000 })]);
      expect((await ensurePurgeSchedule(hookline.temporal, every15m)).outcome).toBe('unchanged');

      await handle.pause('paused by the operator');
      const longer = { ...every15m, retention: { ...every15m.retention, retentionMs: 90 * 86_400_000 } };
      expect((await ensurePurgeSchedule(hookline.temporal, longer)).outcome).toBe('updated');
      described = await handle.describe();
      expect(described.state.paused).toBe(true);
      expect(described.state.note).toBe('paused by the operator');
      expect((described.action as { args: unknown[] }).args).toEqual([{ retentionMs: 90 * 86_400_000, replayRetentionMs: 7 * 86_400_000 }]);
    } finally {
      await handle.delete().catch(() => {});
    }
  });

  it('skips a run that would overlap the one still going, scheduled or triggered', async () => {
    // every second, and no worker on its task queue: the first run never ends
    const config = configOn(`purge-overlap-${randomBytes(4).toString('hex')}`, 1000);
    const handle = hookline.temporal.schedule.getHandle(purgeScheduleId(config.temporal.taskQueue));
    try {
      await ensurePurgeSchedule(hookline.temporal, config);
      const first = await triggerPurge(hookline.temporal, config);
      expect(first.started).toBe(true);
      expect(first.run.status).toBe('running');
      const again = await triggerPurge(hookline.temporal, config);
      expect(again).toMatchObject({ started: false, run: { workflowId: first.run.workflowId } });
      const skipped = await eventually(async () => {
        const d = await handle.describe();
        return d.info.numActionsSkippedOverlap >= 2 ? d : undefined;
      }, 15_000, 250);
      expect(skipped.info.runningActions.map((a) => a.workflow.workflowId)).toEqual([first.run.workflowId]);
      await hookline.temporal.workflow.getHandle(first.run.workflowId).terminate('test over');
    } finally {
      await handle.delete().catch(() => {});
    }
  });
});

describe("the namespace's retention of closed workflows", () => {
  it('is set to TEMPORAL_NAMESPACE_RETENTION and leaves the search attributes as they were', async () => {
    const address = hookline.config.temporal.address!;
    const namespace = `hookline-retention-${randomBytes(4).toString('hex')}`;
    const connection = await Connection.connect({ address });
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(86_400_000) });
      await eventually(async () => ((await connection.workflowService.describeNamespace({ namespace })) ? true : undefined));
      await registerSearchAttributes(address, namespace);
      const attributes = async () => Object.keys((await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {}).sort();
      const before = await attributes();
      expect(before).toEqual(expect.arrayContaining(['HooklineCommunityId', 'HooklineDeliveryStatus', 'HooklineEventType', 'HooklineWebhookId']));

      expect(await ensureNamespaceRetention(address, namespace, 7 * 86_400_000)).toEqual({
        namespace,
        beforeMs: 86_400_000,
        afterMs: 7 * 86_400_000,
        changed: true,
      });
      const described = await connection.workflowService.describeNamespace({ namespace });
      expect(tsToMs(described.config!.workflowExecutionRetentionTtl)).toBe(7 * 86_400_000);
      expect((await ensureNamespaceRetention(address, namespace, 7 * 86_400_000)).changed).toBe(false);
      expect(await attributes()).toEqual(before);
    } finally {
      await connection.close();
    }
  });
});
