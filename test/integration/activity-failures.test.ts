import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { attemptActivities } from '../../activities/attempt-delivery.js';
import { replayJobActivities } from '../../activities/replay-job.js';
import { loadConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/database.js';
import { dropDatabase, ensureDatabase } from '../../src/db/migrate.js';
import { createDeliveryAgent } from '../../src/delivery/send.js';
import { createLogger } from '../../src/logger.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { createReplayJob, recordReplayBatch } from '../../src/store/replay-jobs.js';
import { createWebhook } from '../../src/store/webhooks.js';
import { installTestRuntime } from '../support/harness.js';

/**
 * Activities that can fail for good say so: an input no retry can make valid is a non-retryable
 * ApplicationFailure (Temporal would otherwise retry it for ever), and a job that vanished with its
 * webhook ends its workflow instead of throwing on every retry.
 */
let databaseUrl: string;
let db: Db;
const box = new SecretBox(randomBytes(32).toString('base64'));
const config = loadConfig({ DELIVERY_ALLOW_HTTP: 'true', DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true' });
const logger = createLogger('silent');

beforeAll(async () => {
  installTestRuntime();
  const templateUrl = new URL(inject('databaseTemplateUrl'));
  const url = new URL(templateUrl);
  url.pathname = `/hookline_test_${randomBytes(6).toString('hex')}`;
  databaseUrl = url.toString();
  await ensureDatabase(databaseUrl, templateUrl.pathname.slice(1));
  db = createDb(databaseUrl);
});
afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl).catch(() => {});
});

async function nonRetryable(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect((error as ApplicationFailure).nonRetryable).toBe(true);
  return error as ApplicationFailure;
}

describe('attemptDelivery', () => {
  it.each([
    ['no delivery id', { attemptNumber: 1, failuresBefore: 0 }],
    ['attempt number 0', { deliveryId: 'dlv_x', attemptNumber: 0, failuresBefore: 0 }],
    ['a fractional attempt number', { deliveryId: 'dlv_x', attemptNumber: 1.5, failuresBefore: 0 }],
  ])('refuses %s as non-retryable', async (_what, input) => {
    const http = createDeliveryAgent({ allowPrivateNetworks: true, timeoutMs: 1000 });
    try {
      const { attemptDelivery } = attemptActivities({ db, box, http, config, logger });
      const failure = await nonRetryable(attemptDelivery(input as never));
      expect(failure.type).toBe('InvalidInput');
    } finally {
      await http.close();
    }
  });
});

describe('replayBatch', () => {
  it('refuses a malformed job id as non-retryable', async () => {
    const { replayBatch } = replayJobActivities({ db, config, logger, temporal: {} as never });
    await nonRetryable(new MockActivityEnvironment().run(replayBatch, { jobId: 'nope', cursor: null }));
  });

  it('ends the job when its webhook (and with it the job) was deleted, even between read and commit', async () => {
    const communityId = `cmty_failures_${randomBytes(4).toString('hex')}`;
    await db.insertInto('communities').values({ id: communityId, name: 'failures' }).execute();
    const { webhook } = await createWebhook(db, box, communityId, { url: 'https://example.com/h', format: 'json', events: ['user.joined'], active: true });
    const job = await createReplayJob(db, { communityId, webhookId: webhook.id, since: new Date(0), until: null });
    await db.deleteFrom('webhooks').where('id', '=', webhook.id).execute();

    expect(await recordReplayBatch(db, job.id, { from: null, to: null, done: 0, failed: 0, finished: true })).toBeUndefined();
    const { replayBatch } = replayJobActivities({ db, config, logger, temporal: {} as never });
    const result = await new MockActivityEnvironment().run(replayBatch, { jobId: job.id, cursor: null });
    expect(result).toMatchObject({ finished: true, progress: { id: job.id, status: 'completed' } });
  });
});
