import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities/index.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import { createDeliveryAgent } from './delivery/send.js';
import { startDispatchSweeper } from './delivery/dispatch-sweeper.js';
import type { SecretBox } from './security/secret-box.js';
import { connectClient, temporalConnectionOptions } from './temporal/client.js';
import { startMetricsServer } from './metrics/http.js';
import { deliveryMetrics, purgeMetrics } from './metrics/index.js';
import { installTemporalRuntime } from './metrics/temporal-runtime.js';
import { ensurePurgeSchedule } from './temporal/purge.js';
import { tracingActive, workerTracing } from './tracing/index.js';

/** Whether this module runs compiled (dist/src/worker.js, `npm run build`) or as TypeScript (tsx, tests). */
const COMPILED = import.meta.url.endsWith('.js');

/** The workflow code's entry, bundled by webpack at start when there is no prebuilt bundle. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index.${COMPILED ? 'js' : 'ts'}`, import.meta.url));

/**
 * The workflow bundle `npm run build` makes next to the compiled code (dist/workflow-bundle.js, by
 * scripts/bundle-workflows.ts), from the same sources in the same build, so it cannot be stale.
 * Loading it instead of bundling at start spares the worker webpack and much of its resident memory
 * (BENCHMARKS.md, "Tuning": prebuilt workflow bundle).
 * Only looked for when running compiled: under tsx the sources may have changed since any build.
 */
export const PREBUILT_WORKFLOW_BUNDLE = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/**
 * The same workflows with the OpenTelemetry workflow interceptors bundled in, for a worker with
 * tracing on (src/tracing). Two bundles, so that with tracing off the workflow code is exactly the
 * one without them: no span code in the sandbox, and histories without trace headers or the
 * interceptors' SDK flags.
 */
export const PREBUILT_TRACED_WORKFLOW_BUNDLE = fileURLToPath(new URL('../workflow-bundle-traced.js', import.meta.url));

/**
 * Where the worker gets its workflow code: the bundle given, the prebuilt one, or webpack at start
 * (which bundles the interceptor modules of the worker's options, the tracing ones included).
 */
export function workflowSource(given?: WorkerDeps['workflowBundle'], traced = false): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (given) return { workflowBundle: given };
  const prebuilt = traced ? PREBUILT_TRACED_WORKFLOW_BUNDLE : PREBUILT_WORKFLOW_BUNDLE;
  if (COMPILED && existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath: WORKFLOWS_PATH };
}

/**
 * Worker slots, pollers and cache. The benchmark's floor worker (bench/floor/worker.ts) runs with the
 * same options so the two are compared alike; each setting and its measured effect: BENCHMARKS.md.
 */
export const WORKER_TUNING: Partial<WorkerOptions> = {
  // A delivery waiting for its retry needs no cache, and the SDK's default cache (thousands of
  // workflows for a large heap) made a worker holding 10,000 parked deliveries several times larger
  // and busier (BENCHMARKS.md, "Tuning": worker cache); 100 still covers the deliveries in flight at
  // the sustained maximum.
  maxCachedWorkflows: 100,
  // An attempt made as a normal activity is one to a slow or hanging receiver (src/delivery/flow.ts):
  // it waits on a socket and costs a little memory, not CPU, so there is room for many more of them
  // than the SDK's default of 100; what bounds them is each webhook's maxConcurrency.
  maxConcurrentActivityTaskExecutions: 1000,
};

export interface WorkerDeps {
  /** The worker needs SECRETS_KEY (it opens sealed secrets), never ADMIN_TOKEN. */
  config: Config & { secretsKey: string };
  db: Db;
  box: SecretBox;
  logger: Logger;
  /**
   * A prebuilt workflow bundle (tests build one per file); otherwise see workflowSource(). With
   * tracing on it must hold the tracing workflow interceptors (TRACED_BUNDLE_OPTIONS).
   */
  workflowBundle?: { code: string } | { codePath: string };
  /**
   * Signals on which the Temporal SDK itself stops the worker (its default: SIGINT, SIGTERM,
   * SIGQUIT, SIGUSR2). Entry points with their own handler pass [] (see installTemporalRuntime).
   */
  shutdownSignals?: NodeJS.Signals[];
  /** Run the dispatch sweeper in this process (default true). */
  sweeper?: boolean;
  /** Create or update the `hookline-purge` schedule at start (default true; src/temporal/purge.ts). */
  purgeSchedule?: boolean;
}

export interface RunningWorker {
  worker: Worker;
  /** Whether it runs with the tracing interceptors (tracing was on when it started). */
  traced: boolean;
  /** Resolves when the worker has stopped (after shutdown() or a fatal error). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Creates or updates the purge schedule now; if Temporal refuses (a missing permission, a server
 * without schedules), says so loudly and tries again every minute, without keeping the worker from
 * delivering meanwhile.
 */
async function keepPurgeSchedule(client: Client, config: Config, logger: Logger): Promise<() => Promise<void>> {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let pending: Promise<void> = Promise.resolve();
  const attempt = () => {
    pending = ensurePurgeSchedule(client, config).then(
      ({ scheduleId, outcome }) =>
        logger.info({ scheduleId, outcome, everyMs: config.retention.purgeIntervalMs, retentionMs: config.retention.retentionMs }, `purge schedule ${outcome}`),
      (error: unknown) => {
        logger.error({ err: error }, 'could not create or update the purge schedule; trying again in a minute');
        if (!stopped) {
          timer = setTimeout(attempt, 60_000);
          timer.unref();
        }
      },
    );
  };
  attempt();
  // the first try is awaited, so a started worker has its schedule (when Temporal allowed it)
  await pending;
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await pending;
  };
}

/**
 * A delivery worker: polls the task queue, runs delivery workflows and attempts. Shutdown lets
 * in-flight attempts finish (and record their rows) for up to 30 s before it gives up on them.
 */
export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const { config, db, box, logger } = deps;
  installTemporalRuntime(logger, config.metrics?.temporalAddress, { shutdownSignals: deps.shutdownSignals });
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const http = createDeliveryAgent({
    allowPrivateNetworks: config.delivery.allowPrivateNetworks,
    timeoutMs: config.delivery.timeoutMs,
    connectTimeoutMs: config.delivery.connectTimeoutMs,
    dnsTimeoutMs: config.delivery.dnsTimeoutMs,
    dnsServers: config.delivery.dnsServers,
  });
  // with tracing on: interceptors for activities and workflows, and the sink of the workflows' spans
  const workflowCode = workflowSource(deps.workflowBundle, tracingActive());
  const tracing = workerTracing(workflowCode.workflowBundle !== undefined);
  if (!deps.workflowBundle) {
    const bundle = workflowCode.workflowBundle;
    const from = bundle && 'codePath' in bundle ? bundle.codePath : `${WORKFLOWS_PATH} (bundled now)`;
    logger.info({ workflowCode: from, tracing: tracing !== undefined }, 'worker workflow code');
  }
  // the worker's own client: activities signal deliveries handed a slot, the sweepers start and signal
  const client = await connectClient(config);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...workflowCode,
    activities: createActivities({
      db,
      box,
      http,
      config,
      logger: logger.child({ role: 'activity' }),
      metrics: deliveryMetrics,
      purgeMetrics,
      temporal: client,
    }),
    shutdownGraceTime: '30s',
    ...WORKER_TUNING,
    ...tracing,
  });
  const stopSweeper = deps.sweeper === false ? async () => {} : startDispatchSweeper({ client, config, db, logger });
  // Every worker makes sure the purge schedule exists as this configuration says: production starts
  // no setup step, and creating or updating it is idempotent (docs/retention.md).
  const stopScheduling = deps.purgeSchedule !== false ? await keepPurgeSchedule(client, config, logger) : async () => {};
  const metricsPort = config.metrics?.workerPort;
  const metricsServer = metricsPort !== undefined ? await startMetricsServer(metricsPort, logger) : undefined;
  if (metricsServer) logger.info({ port: metricsServer.port }, 'worker metrics at /metrics');

  const done = worker.run().finally(async () => {
    await stopScheduling();
    await stopSweeper();
    await client.connection.close();
    await http.close();
    await connection.close();
    await metricsServer?.close();
  });
  return {
    worker,
    traced: tracing !== undefined,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
