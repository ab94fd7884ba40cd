import type { ReadyConfig } from '../../src/config.js';
import { formatDurationList } from '../../src/durations.js';
import { Child } from '../faults/support/processes.js';

/**
 * A real worker process (`node --import tsx src/worker-main.ts`) for a test's Hookline, configured
 * like the harness's own worker, for tests that must kill one with SIGKILL (no handler runs, no
 * attempt finishes, no slot is given back).
 */
export async function startWorkerProcess(name: string, config: ReadyConfig, env: Record<string, string> = {}): Promise<Child> {
  const child = new Child(name, process.execPath, ['--import', 'tsx', 'src/worker-main.ts'], {
    ...process.env,
    DATABASE_URL: config.databaseUrl,
    TEMPORAL_ADDRESS: config.temporal.address,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    SECRETS_KEY: config.secretsKey,
    DELIVERY_ALLOW_HTTP: String(config.delivery.allowHttp),
    DELIVERY_ALLOW_PRIVATE_NETWORKS: String(config.delivery.allowPrivateNetworks),
    DELIVERY_RETRY_SCHEDULE: formatDurationList(config.delivery.retryScheduleMs),
    DELIVERY_RETRY_JITTER: String(config.delivery.retryJitter),
    DELIVERY_TIMEOUT_MS: String(config.delivery.timeoutMs),
    LOG_LEVEL: 'info',
    ...env,
  });
  await child.waitForLine(/worker running/, 120_000);
  return child;
}
