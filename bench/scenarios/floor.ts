import { DELIVERY_STATUS, COMMUNITY_ID, EVENT_TYPE, WEBHOOK_ID } from '../../src/contract/search-attributes.js';
import { closedLoop, type Issue } from '../loops.js';
import { type Floor, type Receiver, type TemporalServer } from '../stack.js';
import { loopFigures, settled, countHistory, cpuMeter, temporalPids } from './measure.js';
import { type Profile } from './profile.js';

/** floor: Temporal's own floor on this machine, a minimal workflow making the same POST. */
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
