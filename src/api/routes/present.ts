import type { Config } from '../../config.js';
import type { Attempt, Delivery } from '../../store/deliveries.js';
import type { DeliveryRef, StoredEvent } from '../../store/events.js';
import { encodeAttemptCursor } from '../../store/pagination.js';
import type { ReplayJob } from '../../store/replay-jobs.js';
import { deliveryWorkflowId } from '../../temporal/deliveries.js';
import type { PurgeRun, PurgeSchedule } from '../../temporal/purge.js';
import { replayJobWorkflowId } from '../../temporal/replay-jobs.js';

/** How the API shows its resources; one place, so every route shows them alike. */
export function presentEvent(event: StoredEvent) {
  return {
    id: event.id,
    externalId: event.externalId,
    communityId: event.communityId,
    type: event.type,
    occurredAt: event.occurredAt,
    data: event.data,
    createdAt: event.createdAt,
    expungedAt: event.expungedAt,
  };
}

export function presentEventAccepted(event: StoredEvent, deliveries: DeliveryRef[]) {
  return { event: presentEvent(event), deliveries: deliveries.map((d) => ({ id: d.id, webhookId: d.webhookId })) };
}

/** A workflow's id and its page in the Temporal UI. */
export function workflowLink(config: Pick<Config, 'temporal'>, workflowId: string) {
  return {
    workflowId,
    uiUrl: `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
  };
}

export function temporalLink(config: Pick<Config, 'temporal'>, deliveryId: string) {
  return workflowLink(config, deliveryWorkflowId(deliveryId));
}

/**
 * Attempts are read a page at a time, never all at once (a delivery replayed thousands of times
 * with 20 kB response bodies would otherwise be loaded whole into the API's memory): a delivery
 * read shows its latest 20, a list its latest one per delivery, GET /v1/deliveries/:id/attempts
 * pages through the rest.
 */
export const DELIVERY_ATTEMPTS_SHOWN = 20;
export const LIST_ATTEMPTS_SHOWN = 1;

/** A delivery, with a page of its latest attempts (newest first) and the cursor of the older ones when given. */
export function presentDelivery(delivery: Delivery, config: Pick<Config, 'temporal'>, attempts?: { items: Attempt[]; nextBefore: number | null }) {
  return {
    ...delivery,
    temporal: temporalLink(config, delivery.id),
    ...(attempts
      ? { attempts: attempts.items, attemptsNextCursor: attempts.nextBefore === null ? null : encodeAttemptCursor(attempts.nextBefore) }
      : {}),
  };
}

export function presentReplayJob(job: ReplayJob, config: Pick<Config, 'temporal'>) {
  return { ...job, temporal: workflowLink(config, replayJobWorkflowId(job.id)) };
}

export function presentPurgeRun(run: PurgeRun, schedule: PurgeSchedule, config: Pick<Config, 'temporal'>) {
  const progress = run.progress;
  return {
    workflowId: run.workflowId,
    status: run.status,
    startedAt: run.startedAt,
    closedAt: run.closedAt,
    stage: progress?.position.stage ?? null,
    // a run that began before portal sessions were purged has no count of them
    deleted: progress?.deleted ? { ...progress.deleted, portalSessions: progress.deleted.portalSessions ?? 0 } : null,
    batches: progress?.batches ?? null,
    communities: progress?.communities ?? null,
    vacuumed: progress?.vacuumed ?? null,
    schedule,
    temporal: workflowLink(config, run.workflowId),
  };
}
