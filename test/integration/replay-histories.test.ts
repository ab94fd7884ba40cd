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
 */
const HISTORY_DIR = fileURLToPath(new URL('../histories/', import.meta.url));
const files = readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json')).sort();
const load = (file: string) => historyFromJSON(JSON.parse(readFileSync(`${HISTORY_DIR}${file}`, 'utf8')));

beforeAll(() => installTestRuntime());

describe('saved workflow histories', () => {
  it('cover every shape of a delivery and a bulk replay job', () => {
    expect(files).toEqual(
      expect.arrayContaining(
        ['success', 'retries', 'failed', 'replay-waiting', 'replay-closed', 'hold-resume', 'gone', 'cancelled']
          .map((shape) => `delivery-${shape}.json`)
          .concat('replay-job.json'),
      ),
    );
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

  it('catch an incompatible change: one more timer before the first attempt', async () => {
    const changed = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../support/fixtures/workflows-incompatible.ts', import.meta.url)),
      logger: new DefaultLogger('WARN'),
    });
    await expect(Worker.runReplayHistory({ workflowBundle: changed }, load('delivery-retries.json'))).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
