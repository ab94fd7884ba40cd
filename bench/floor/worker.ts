/**
 * The floor's worker process: the floor workflows and activities on their own task queue, with
 * Hookline's worker options (WORKER_TUNING from src/worker.ts), so the floor runs on the same server
 * and worker settings as Hookline. BENCH_WORKER_OPTIONS (JSON) overrides them for tuning runs.
 */
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { WORKER_TUNING } from '../../src/worker.js';
import { createFloorActivities } from './activities.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const taskQueue = process.env.FLOOR_TASK_QUEUE ?? 'bench-floor';
const overrides = JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}') as Record<string, unknown>;

const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  taskQueue,
  ...(process.env.FLOOR_BUNDLE
    ? { workflowBundle: { codePath: process.env.FLOOR_BUNDLE } }
    : { workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)) }),
  activities: createFloorActivities({ keepAlive: process.env.FLOOR_KEEPALIVE !== '0' }),
  ...WORKER_TUNING,
  ...overrides,
});
process.stdout.write(`floor worker running on ${taskQueue} with ${JSON.stringify({ ...WORKER_TUNING, ...overrides })}\n`);
await worker.run();
await connection.close();
