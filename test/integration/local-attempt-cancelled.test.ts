import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AttemptInput, AttemptResult, DeliveryWorkflowInput } from '../../src/contract/delivery.js';
import { installTestRuntime } from '../support/harness.js';

/**
 * A local attempt that comes back cancelled, though nobody asked for it (the SDK does this when it
 * evicts a workflow while the local attempt waits for its retry): the delivery workflow makes the
 * same attempt as a normal activity instead of failing, which would leave its delivery pending for
 * ever. The real workflow code on a real Temporal dev server; the SDK's cancellation is played by a
 * workflow interceptor (test/support/fixtures/cancel-first-local-attempt.ts) that answers the first
 * local attempt as the SDK did in the parked benchmark, and the activity is a stand-in that tells a
 * local run from a normal one (the attempt itself is tested everywhere else).
 */
let connection: NativeConnection;
let client: Client;

beforeAll(async () => {
  installTestRuntime();
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
});
afterAll(async () => {
  await connection?.close();
  await client?.connection.close();
});

describe('a local attempt cancelled by the worker', () => {
  it('is made again, with the same number, as a normal activity, and the delivery succeeds', async () => {
    const taskQueue = `local-cancelled-${randomBytes(4).toString('hex')}`;
    const calls: Array<{ local: boolean; attemptNumber: number }> = [];
    const { Context } = await import('@temporalio/activity');
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
      interceptors: { workflowModules: [fileURLToPath(new URL('../support/fixtures/cancel-first-local-attempt.ts', import.meta.url))] },
      activities: {
        async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
          calls.push({ local: Context.current().info.isLocal, attemptNumber: input.attemptNumber });
          return { kind: 'attempted', next: { kind: 'succeeded' }, responseStatus: 200 };
        },
      },
    });
    const input: DeliveryWorkflowInput = { deliveryId: 'dlv_cancelled_la', firstAttemptNumber: 1, replayRetentionMs: 60_000, attemptTimeoutMs: 10_000, flowControl: true };
    const phase = await worker.runUntil(
      client.workflow.execute('deliveryWorkflow', { taskQueue, workflowId: `delivery-cancelled-la-${randomBytes(4).toString('hex')}`, args: [input] }),
    );
    expect(phase).toBe('succeeded');
    // the local attempt never ran (the interceptor answered for it); the same attempt ran remotely
    expect(calls).toEqual([{ local: false, attemptNumber: 1 }]);
  });
});
