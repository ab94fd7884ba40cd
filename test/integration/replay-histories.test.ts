import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { installTestRuntime, workflowBundle } from '../support/harness.js';

/**
 * The determinism guard: every history saved under test/histories/ (recorded from real runs by
 * scripts/record-histories.ts) replays against the current workflow code. A change that would
 * break deliveries already running fails here; such a change belongs behind patched().
 *
 * test/histories/ holds today's shapes, flow control's waits among them; before-flow-control/ the
 * same shapes from runs started before flow control (no `flowControl` in their input); and
 * before-local-attempt/ from before attempts became local activities (LOCAL_ATTEMPT_PATCH). Workers
 * replay all three.
 */
const HISTORY_DIR = fileURLToPath(new URL('../histories/', import.meta.url));
const GENERATIONS = ['', 'before-flow-control/', 'before-local-attempt/'];
const files = GENERATIONS.flatMap((dir) =>
  readdirSync(`${HISTORY_DIR}${dir}`)
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${dir}${f}`),
).sort();
const load = (file: string) => historyFromJSON(JSON.parse(readFileSync(`${HISTORY_DIR}${file}`, 'utf8')));
const DELIVERY_SHAPES = ['success', 'retries', 'failed', 'replay-waiting', 'replay-closed', 'hold-resume', 'gone', 'cancelled'];
const FLOW_SHAPES = ['flow-queue', 'flow-rate', 'flow-remote', 'fifo-wait'];
/** The kinds of a history's events, by the attributes each carries (`timerStarted`, `activityTaskScheduled`, …). */
const eventTypes = (file: string) =>
  (load(file).events ?? []).map((e) => Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k])?.replace('EventAttributes', '') ?? '');
const inputOf = (file: string) => {
  const started = load(file).events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0]?.data;
  return payload ? (JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>) : {};
};

beforeAll(() => installTestRuntime());

describe('saved workflow histories', () => {
  it('cover every shape of a delivery, before and after local attempts, a bulk replay job and a purge', () => {
    expect(files).toEqual(
      expect.arrayContaining(
        GENERATIONS.flatMap((dir) => DELIVERY_SHAPES.map((shape) => `${dir}delivery-${shape}.json`))
          .concat(FLOW_SHAPES.map((shape) => `delivery-${shape}.json`))
          .concat('replay-job.json', 'purge.json'),
      ),
    );
  });

  it('of today hold their attempts as local activities; the older ones as activity tasks', () => {
    const attemptsOf = (file: string) => {
      const events = load(file).events ?? [];
      return {
        local: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
        tasks: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
      };
    };
    for (const shape of DELIVERY_SHAPES) {
      const now = attemptsOf(`delivery-${shape}.json`);
      const before = attemptsOf(`before-local-attempt/delivery-${shape}.json`);
      expect(now.tasks, shape).toBe(0);
      expect(before.local, shape).toBe(0);
      expect(now.local, shape).toBe(before.tasks);
    }
  });

  it('of today were started with flow control, those before it without, and show its waits', () => {
    for (const shape of [...DELIVERY_SHAPES, ...FLOW_SHAPES]) expect(inputOf(`delivery-${shape}.json`).flowControl, shape).toBe(true);
    for (const shape of DELIVERY_SHAPES) expect(inputOf(`before-flow-control/delivery-${shape}.json`).flowControl, shape).toBeUndefined();
    const signals = (file: string) =>
      (load(file).events ?? []).flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
    // queued: admitted by a signal, with no timer of its own
    expect(signals('delivery-flow-queue.json')).toEqual(['admit']);
    expect(signals('delivery-fifo-wait.json')).toEqual(['admit']);
    expect(eventTypes('delivery-flow-queue.json').filter((t) => t.startsWith('timer'))).toEqual([]);
    // a later start: a timer, no signal
    expect(eventTypes('delivery-flow-rate.json').filter((t) => t.startsWith('timer'))).toEqual(['timerStarted', 'timerFired']);
    // a slow receiver: the local attempt says so, the attempt is made as an activity task
    expect(eventTypes('delivery-flow-remote.json').filter((t) => t.startsWith('activityTask'))).toEqual([
      'activityTaskScheduled',
      'activityTaskStarted',
      'activityTaskCompleted',
    ]);
  });

  it('of a purge hold its steps and its vacuum as activity tasks', () => {
    const activities = (load('purge.json').events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(activities).toEqual(['purgeStep', 'purgeVacuum']);
  });

  it('replay against the current workflow code', async () => {
    const bundle = await workflowBundle();
    const histories = files.map((file) => ({ workflowId: file, history: load(file) }));
    const replayed: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'hookline-histories' }, histories)) {
      expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
      replayed.push(result.workflowId);
    }
    expect(replayed.sort()).toEqual(files);
  });

  it('replay with the tracing workflow interceptors bundled in, exporting no span for what is replayed', async () => {
    // a worker with tracing on runs the traced bundle (src/worker.ts): it must replay the histories
    // of runs made without tracing, and the other way round is the test above (those histories)
    const bundle = await workflowBundle(true);
    expect(bundle.code).toContain('OpenTelemetryInboundInterceptor');
    expect((await workflowBundle(false)).code).not.toContain('OpenTelemetryInboundInterceptor');
    const exported: unknown[] = [];
    const histories = files.map((file) => ({ workflowId: file, history: load(file) }));
    const replayed: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: bundle, replayName: 'hookline-histories-traced', sinks: { exporter: { export: { fn: (_info, spans) => void exported.push(...(spans as unknown[])) } } } },
      histories,
    )) {
      expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
      replayed.push(result.workflowId);
    }
    expect(replayed.sort()).toEqual(files);
    expect(exported).toEqual([]);
  });

  it('catch an incompatible change: one more timer before the first attempt', async () => {
    const changed = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../support/fixtures/workflows-incompatible.ts', import.meta.url)),
      logger: new DefaultLogger('WARN'),
    });
    for (const file of ['delivery-retries.json', 'before-flow-control/delivery-retries.json', 'before-local-attempt/delivery-retries.json']) {
      await expect(Worker.runReplayHistory({ workflowBundle: changed }, load(file)), file).rejects.toBeInstanceOf(DeterminismViolationError);
    }
  });
});
