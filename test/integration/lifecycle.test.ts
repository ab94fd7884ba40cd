import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { temporal } from '@temporalio/proto';
import { DELIVERY_STATUS } from '../../src/contract/search-attributes.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * Delivery lifecycle on the real dev server: redirects, replay of a failed delivery whose workflow
 * still waits and of one whose workflow has closed, search attributes kept current and found with
 * the `temporal` CLI, and the size of a successful delivery's history.
 */
const RETENTION_MS = 4_000;
let hookline: Hookline;
let receiver: TestReceiver;
let community: { communityId: string; key: string };

beforeAll(async () => {
  hookline = await startHookline({ DELIVERY_REPLAY_RETENTION: `${RETENTION_MS}ms` });
  receiver = await TestReceiver.start();
  community = await hookline.newCommunity();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

let userSeq = 0;
async function webhookAt(path: string, key = community.key): Promise<string> {
  const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', path), events: ['user.joined'] }, key);
  expect(created.status).toBe(201);
  return created.body.data.id;
}

/** Emits an event; returns the delivery to `webhookId`. */
async function emit(webhookId: string, key = community.key, userId = `u${++userSeq}`): Promise<string> {
  const emitted = await hookline.call(
    'POST',
    '/v1/events',
    { type: 'user.joined', data: { user: { id: userId, username: 'ada' }, joinedAt: '2026-11-29T10:00:00Z' } },
    key,
  );
  expect(emitted.status).toBe(202);
  return emitted.body.data.deliveries.find((d: { webhookId: string }) => d.webhookId === webhookId).id;
}

async function deliveryWhen(deliveryId: string, status: string, key = community.key, timeoutMs = 20_000) {
  return eventually(async () => {
    const read = await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, key);
    return read.body.data.status === status ? read.body.data : undefined;
  }, timeoutMs);
}

const handleOf = (deliveryId: string) => hookline.temporal.workflow.getHandle(`delivery-${deliveryId}`);

describe('delivery lifecycle', () => {
  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const webhookId = await webhookAt('/moved');
    receiver.responder = (a) =>
      a.path === '/moved' ? { status: 302, headers: { location: receiver.url.replace('/hook', '/elsewhere') } } : { status: 200 };
    const deliveryId = await emit(webhookId);
    const failed = await deliveryWhen(deliveryId, 'failed');
    // schedule 300ms,300ms: three attempts, each a 302 recorded as a failure
    expect(failed.attempts.map((a: { response: { status: number } }) => a.response.status)).toEqual([302, 302, 302]);
    expect(failed.attempts[0].error).toEqual({ code: 'http_302', message: 'receiver answered HTTP 302' });
    expect(receiver.arrivals.filter((a) => a.path === '/elsewhere')).toHaveLength(0);
  });

  it('replays a failed delivery whose workflow still waits: same run, attempt 4, same webhook-id', async () => {
    const webhookId = await webhookAt('/waiting');
    receiver.responder = (a) => (a.path === '/waiting' ? { status: 500 } : { status: 200 });
    const deliveryId = await emit(webhookId);
    await deliveryWhen(deliveryId, 'failed');
    const before = await handleOf(deliveryId).describe();
    expect(before.status.name).toBe('RUNNING');
    expect((await handleOf(deliveryId).query<{ phase: string }>('deliveryState')).phase).toBe('waiting_replay');

    receiver.responder = () => ({ status: 200 });
    const replay = await hookline.call('POST', `/v1/deliveries/${deliveryId}/replay`, undefined, community.key);
    expect(replay.status).toBe(202);
    expect(replay.body.data.status).toBe('pending');
    const delivered = await deliveryWhen(deliveryId, 'succeeded');

    // newest first
    expect(delivered.attempts.map((a: { attemptNumber: number }) => a.attemptNumber)).toEqual([4, 3, 2, 1]);
    expect(delivered.attempts[0].response.status).toBe(200);
    const arrivals = receiver.arrivals.filter((a) => a.path === '/waiting');
    expect(arrivals.map((a) => a.headers[HEADER.attempt])).toEqual(['1', '2', '3', '4']);
    expect(new Set(arrivals.map((a) => a.headers[HEADER.webhookId]))).toEqual(new Set([deliveryId]));
    const after = await handleOf(deliveryId).describe();
    expect(after.runId).toBe(before.runId);
    await handleOf(deliveryId).result();
    expect((await handleOf(deliveryId).describe()).typedSearchAttributes.get(DELIVERY_STATUS)).toBe('succeeded');
  });

  it('replays a failed delivery whose workflow has closed: a new run, attempt 4, same webhook-id', async () => {
    const webhookId = await webhookAt('/closed');
    receiver.responder = (a) => (a.path === '/closed' ? { status: 500 } : { status: 200 });
    const deliveryId = await emit(webhookId);
    await deliveryWhen(deliveryId, 'failed');
    // the workflow waits DELIVERY_REPLAY_RETENTION for a replay, then closes
    expect(await handleOf(deliveryId).result()).toBe('failed');
    const closed = await handleOf(deliveryId).describe();
    expect(closed.status.name).toBe('COMPLETED');
    expect(closed.typedSearchAttributes.get(DELIVERY_STATUS)).toBe('failed');

    receiver.responder = () => ({ status: 200 });
    const replay = await hookline.call('POST', `/v1/deliveries/${deliveryId}/replay`, undefined, community.key);
    expect(replay.status).toBe(202);
    const delivered = await deliveryWhen(deliveryId, 'succeeded');
    expect(delivered.attempts.map((a: { attemptNumber: number }) => a.attemptNumber)).toEqual([4, 3, 2, 1]);
    const arrivals = receiver.arrivals.filter((a) => a.path === '/closed');
    expect(arrivals.map((a) => a.headers[HEADER.attempt])).toEqual(['1', '2', '3', '4']);
    expect(new Set(arrivals.map((a) => a.headers[HEADER.webhookId]))).toEqual(new Set([deliveryId]));

    const rerun = handleOf(deliveryId);
    expect(await rerun.result()).toBe('succeeded');
    const described = await rerun.describe();
    expect(described.runId).not.toBe(closed.runId);
    expect(described.typedSearchAttributes.get(DELIVERY_STATUS)).toBe('succeeded');
  });

  it('lists exactly one webhook\'s failed deliveries with the temporal CLI and its search attributes', async () => {
    const other = await hookline.newCommunity('other');
    const webhookId = await webhookAt('/search');
    const otherWebhookId = await webhookAt('/search-other', other.key);
    // per user: u-ok succeeds at once, everyone else fails every attempt
    receiver.responder = (a) => (a.body.includes('"id":"search-ok"') ? { status: 200 } : { status: 500 });
    const failedIds = [await emit(webhookId), await emit(webhookId)];
    const succeededId = await emit(webhookId, community.key, 'search-ok');
    const otherFailedId = await emit(otherWebhookId, other.key);
    for (const id of failedIds) await deliveryWhen(id, 'failed');
    await deliveryWhen(succeededId, 'succeeded');
    await deliveryWhen(otherFailedId, 'failed', other.key);

    const query = `HooklineWebhookId="${webhookId}" AND HooklineDeliveryStatus="failed"`;
    // visibility is eventually consistent: ask until the answer settles
    const listed = await eventually(async () => {
      const ids = await temporalList(query);
      return ids.length === failedIds.length ? ids : undefined;
    });
    expect(listed.sort()).toEqual(failedIds.map((id) => `delivery-${id}`).sort());

    const all = await eventually(async () => {
      const ids = await temporalList(`HooklineWebhookId="${webhookId}"`);
      return ids.length === 3 ? ids : undefined;
    });
    expect(all).toContain(`delivery-${succeededId}`);
    expect(await temporalList(`HooklineCommunityId="${other.communityId}" AND HooklineDeliveryStatus="failed"`)).toEqual([
      `delivery-${otherFailedId}`,
    ]);
    expect(await temporalList(`HooklineWebhookId="${webhookId}" AND HooklineEventType="user.joined" AND HooklineDeliveryStatus="succeeded"`)).toEqual([
      `delivery-${succeededId}`,
    ]);
  });

  it('keeps a successful delivery\'s history short: 9 events', async () => {
    const webhookId = await webhookAt('/short');
    receiver.responder = () => ({ status: 200 });
    const deliveryId = await emit(webhookId);
    expect(await handleOf(deliveryId).result()).toBe('succeeded');
    const history = await handleOf(deliveryId).fetchHistory();
    // started, one workflow task (scheduled/started/completed) in which the attempt runs as a local
    // activity: the patch marker and its TemporalChangeVersion upsert, the attempt's marker, the
    // status upsert; completed
    expect(history.events?.map((e) => e.eventType)).toEqual(
      [
        'WORKFLOW_EXECUTION_STARTED',
        'WORKFLOW_TASK_SCHEDULED',
        'WORKFLOW_TASK_STARTED',
        'WORKFLOW_TASK_COMPLETED',
        'MARKER_RECORDED',
        'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
        'MARKER_RECORDED',
        'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
        'WORKFLOW_EXECUTION_COMPLETED',
      ].map((name) => temporal.api.enums.v1.EventType[`EVENT_TYPE_${name}` as keyof typeof temporal.api.enums.v1.EventType]),
    );
  });
});

const run = promisify(execFile);

/** Workflow ids the real `temporal` CLI lists for a visibility query against the suite's server. */
async function temporalList(query: string): Promise<string[]> {
  const { stdout } = await run(process.env.TEMPORAL_CLI_PATH ?? 'temporal', [
    'workflow',
    'list',
    '--address',
    inject('temporalAddress'),
    '--namespace',
    hookline.config.temporal.namespace,
    '--query',
    query,
    '--output',
    'json',
  ]);
  return parseListed(stdout);
}

function parseListed(stdout: string): string[] {
  const text = stdout.trim();
  if (!text) return [];
  // `--output json` prints one JSON array, or one object per line in older CLIs
  const items: Array<{ execution?: { workflowId?: string } }> = text.startsWith('[')
    ? JSON.parse(text)
    : text.split('\n').map((line) => JSON.parse(line));
  return items.map((item) => item.execution?.workflowId ?? '').filter(Boolean);
}
