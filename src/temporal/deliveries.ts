import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import pMap from 'p-map';
import type { Config } from '../config.js';
import {
  admitSignal,
  cancelSignal,
  DELIVERY_WORKFLOW,
  type DeliveryWorkflow,
  type DeliveryWorkflowInput,
  replaySignal,
  resumeSignal,
} from '../contract/delivery.js';
import { COMMUNITY_ID, DELIVERY_STATUS, EVENT_TYPE, WEBHOOK_ID } from '../contract/search-attributes.js';
import { replaysTotal } from '../metrics/index.js';

/** The workflow id of a delivery: derived, so starting it twice is a no-op (docs/temporal.md). */
export function deliveryWorkflowId(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}

export interface DeliveryToStart {
  id: string;
  communityId: string;
  webhookId: string;
  eventType: string;
}

/** Extra time an attempt may take beyond the HTTP timeout, for the database reads and writes. */
const ATTEMPT_OVERHEAD_MS = 15_000;

/**
 * The longest one attempt may take: its activity's timeout, and how long the slot it holds in its
 * webhook's flow control lives (a slot held by a worker that died comes back after this).
 */
export function attemptTimeoutMs(config: Pick<Config, 'delivery'>): number {
  return config.delivery.timeoutMs + ATTEMPT_OVERHEAD_MS;
}

function workflowInput(config: Pick<Config, 'delivery'>, deliveryId: string, firstAttemptNumber: number): DeliveryWorkflowInput {
  return {
    deliveryId,
    firstAttemptNumber,
    replayRetentionMs: config.delivery.replayRetentionMs,
    attemptTimeoutMs: attemptTimeoutMs(config),
    flowControl: true,
  };
}

function startOptions(config: Pick<Config, 'temporal'>, delivery: DeliveryToStart) {
  return {
    taskQueue: config.temporal.taskQueue,
    workflowId: deliveryWorkflowId(delivery.id),
    typedSearchAttributes: [
      { key: COMMUNITY_ID, value: delivery.communityId },
      { key: WEBHOOK_ID, value: delivery.webhookId },
      { key: EVENT_TYPE, value: delivery.eventType },
      { key: DELIVERY_STATUS, value: 'pending' },
    ],
  };
}

/**
 * Starts a delivery's workflow. A workflow that already runs or has run under that id counts as
 * started: the start is idempotent by design, and a closed one is only re-run by a replay.
 */
export async function startDeliveryWorkflow(
  client: Client,
  config: Pick<Config, 'temporal' | 'delivery'>,
  delivery: DeliveryToStart,
): Promise<void> {
  try {
    await client.workflow.start<DeliveryWorkflow>(DELIVERY_WORKFLOW, {
      ...startOptions(config, delivery),
      args: [workflowInput(config, delivery.id, 1)],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * Replay: signals the running workflow, or starts a new run (same id) with the signal when it has
 * closed; attempt numbers continue from the ones already recorded.
 */
export async function replayDeliveryWorkflow(
  client: Client,
  config: Pick<Config, 'temporal' | 'delivery'>,
  delivery: DeliveryToStart & { attemptCount: number },
  source: 'api' | 'bulk',
): Promise<void> {
  await client.workflow.signalWithStart<DeliveryWorkflow, []>(DELIVERY_WORKFLOW, {
    ...startOptions(config, delivery),
    args: [workflowInput(config, delivery.id, delivery.attemptCount + 1)],
    signal: replaySignal,
    signalArgs: [],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
  replaysTotal.inc({ source });
}

/**
 * Tells running deliveries something: `resume` (their webhook is enabled again), `cancel` (it was
 * deleted), `admit` (a slot of its flow control was handed to them). One that has closed needs no
 * telling.
 */
export async function signalDeliveries(
  client: Client,
  deliveryIds: readonly string[],
  what: 'resume' | 'cancel' | 'admit',
): Promise<void> {
  const signal = what === 'resume' ? resumeSignal : what === 'cancel' ? cancelSignal : admitSignal;
  await pMap(
    deliveryIds,
    async (id) => {
      try {
        await client.workflow.getHandle(deliveryWorkflowId(id)).signal(signal);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },
    { concurrency: 16 },
  );
}
