/**
 * `npm run bench -- tune [--only=a,b]`: the floor again under one change at a time (server storage,
 * eager activity dispatch, keep-alive, local activity, activities and search attributes per
 * workflow, worker pollers and slots, work in flight), each on a fresh dev server so earlier
 * variants' histories do not weigh on later ones. The figures behind the tuning notes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { progressDone, type Spread } from './lib.js';
import { type FloorVariant, floorScenario, type Profile } from './scenarios/index.js';
import { type DevServerOptions, Receiver, startFloor, startTemporal } from './stack.js';

interface Variant {
  name: string;
  /** what it changes against the baseline */
  change: string;
  server?: DevServerOptions;
  worker?: Record<string, unknown>;
  env?: Record<string, string>;
  workflow?: FloorVariant;
  concurrency?: number;
}

export const VARIANTS: Variant[] = [
  { name: 'baseline', change: 'WAL file, one activity, keep-alive, worker defaults, 32 in flight' },
  { name: 'memory', change: 'dev server in memory', server: { storage: 'memory' } },
  { name: 'file-defaults', change: 'SQLite file with default pragmas', server: { storage: 'file' } },
  {
    name: 'eager-activities',
    change: 'server dynamic config system.enableActivityEagerExecution=true',
    server: { dynamicConfig: ['system.enableActivityEagerExecution=true'] },
  },
  { name: 'no-eager-reservations', change: 'worker maxEagerActivityReservationsPerWorkflowTask 0', worker: { maxEagerActivityReservationsPerWorkflowTask: 0 } },
  { name: 'no-keep-alive', change: 'a new TCP connection per POST', env: { FLOOR_KEEPALIVE: '0' } },
  { name: 'local-activity', change: 'the POST as a local activity', workflow: 'floorLocalWorkflow' },
  { name: 'two-activities', change: 'one more (trivial) activity before the POST', workflow: 'floorTwoActivitiesWorkflow' },
  { name: 'hookline-shape', change: '4 search attributes at start + 1 upsert at the end', workflow: 'floorShapedWorkflow' },
  { name: 'pollers-2', change: 'maxConcurrentWorkflowTaskPolls 2, maxConcurrentActivityTaskPolls 2', worker: { maxConcurrentWorkflowTaskPolls: 2, maxConcurrentActivityTaskPolls: 2 } },
  {
    name: 'pollers-autoscaling',
    change: 'autoscaling pollers for workflow and activity tasks',
    worker: { workflowTaskPollerBehavior: { type: 'autoscaling' }, activityTaskPollerBehavior: { type: 'autoscaling' } },
  },
  {
    name: 'slots-large',
    change: 'WFT slots 100, activity slots 200, pollers 20/20',
    worker: { maxConcurrentWorkflowTaskExecutions: 100, maxConcurrentActivityTaskExecutions: 200, maxConcurrentWorkflowTaskPolls: 20, maxConcurrentActivityTaskPolls: 20 },
  },
  { name: 'in-flight-8', change: '8 workflows in flight instead of 32', concurrency: 8 },
  { name: 'in-flight-96', change: '96 workflows in flight instead of 32', concurrency: 96 },
];

export async function tuneScenario(options: { logDir: string; runId: string; profile: Profile; only?: string[] }) {
  const variants = VARIANTS.filter((v) => !options.only || options.only.includes(v.name));
  const bundlePath = path.join(options.logDir, 'floor-bundle.js');
  const bundle = await bundleWorkflowCode({
    workflowsPath: path.resolve(import.meta.dirname, 'floor', 'workflows.ts'),
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(bundlePath, bundle.code);
  const rx = await Receiver.start(options.logDir);
  const results: Array<{ name: string; change: string; perSecond: Spread; cpuMsPerWorkflow: Record<string, number>; latencyP50Ms: Spread; historyEvents: number | undefined; errors: number }> = [];
  try {
    for (const variant of variants) {
      const temporal = await startTemporal(options.logDir, variant.server ?? {});
      try {
        const floor = await startFloor({
          logDir: options.logDir,
          runId: options.runId,
          temporalAddress: temporal.address,
          name: `floor-worker-${variant.name}`,
          env: {
            FLOOR_BUNDLE: bundlePath,
            BENCH_WORKER_OPTIONS: JSON.stringify(variant.worker ?? {}),
            ...variant.env,
          },
        });
        try {
          const figures = await floorScenario(
            floor,
            rx,
            options.runId,
            { ...options.profile, concurrency: variant.concurrency ?? options.profile.concurrency },
            variant.workflow ?? 'floorWorkflow',
            `tune ${variant.name}`,
            temporal,
          );
          results.push({
            name: variant.name,
            change: variant.change,
            perSecond: figures.perSecond,
            cpuMsPerWorkflow: figures.cpuMsPerWorkflow,
            latencyP50Ms: figures.latencyMs.p50,
            historyEvents: figures.historyEvents,
            errors: figures.errors,
          });
          progressDone(`tune ${variant.name}: ${figures.perSecond.median} workflows/s (${variant.change})`);
        } finally {
          await floor.stop();
        }
      } finally {
        await temporal.stop();
      }
    }
  } finally {
    await rx.child.stop();
  }
  return { variants: results };
}
