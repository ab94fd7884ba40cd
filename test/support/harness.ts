import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { pino } from 'pino';
import { inject } from 'vitest';
import { startApi, type RunningApi } from '../../src/api-server.js';
import { loadConfig, requireSecrets, type ReadyConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/database.js';
import { dropDatabase, ensureDatabase } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { purgeScheduleId } from '../../src/temporal/purge.js';
import { TRACING_WORKFLOW_INTERCEPTOR_MODULES, tracingActive } from '../../src/tracing/index.js';
import { startWorker, type RunningWorker, WORKFLOWS_PATH } from '../../src/worker.js';

/**
 * A whole Hookline for one test file: a fresh database cloned from the migrated template, the real
 * API on a free port and a real worker on its own task queue, against the suite's Temporal server.
 */
let runtimeInstalled = false;
const bundles = new Map<boolean, Promise<{ code: string }>>();

/** The SDK's runtime, once per process and before any connection (a time-skipping env included). */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

export const LOG_DIR = path.resolve('test-artifacts/logs');

/** The workflow code, bundled once per process; with tracing on, with its workflow interceptors. */
export function workflowBundle(traced = tracingActive()): Promise<{ code: string }> {
  let bundle = bundles.get(traced);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      workflowInterceptorModules: traced ? [...TRACING_WORKFLOW_INTERCEPTOR_MODULES] : [],
      logger: new DefaultLogger('WARN'),
    });
    bundles.set(traced, bundle);
  }
  return bundle;
}

export interface Hookline {
  api: RunningApi;
  worker: RunningWorker | undefined;
  db: Db;
  config: ReadyConfig & { databaseUrl: string };
  temporal: Client;
  adminToken: string;
  /** Calls the API; `token` defaults to the admin token. */
  call<T = any>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T; headers: Headers }>;
  /** Makes a community and an API key for it. */
  newCommunity(name?: string): Promise<{ communityId: string; key: string }>;
  /** Starts one more worker on the task queue; `workflowBundle` runs other workflow code (an upgrade test). */
  startWorker(workflowBundle?: { code: string }): Promise<RunningWorker>;
  stop(): Promise<void>;
}

export interface HooklineOptions {
  /** Start a worker (default true). */
  worker?: boolean;
  /** Outside vitest (scripts/record-histories.ts), what global setup would otherwise provide. */
  temporalAddress?: string;
  databaseTemplateUrl?: string;
}

export async function startHookline(env: Record<string, string> = {}, options: HooklineOptions = {}): Promise<Hookline> {
  installTestRuntime();
  const suffix = randomBytes(6).toString('hex');
  const templateUrl = new URL(options.databaseTemplateUrl ?? inject('databaseTemplateUrl'));
  const template = templateUrl.pathname.slice(1);
  const databaseUrl = new URL(templateUrl);
  databaseUrl.pathname = `/hookline_test_${suffix}`;
  await ensureDatabase(databaseUrl.toString(), template);

  const loaded = requireSecrets(
    loadConfig({
      DATABASE_URL: databaseUrl.toString(),
      TEMPORAL_ADDRESS: options.temporalAddress ?? inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `hookline-test-${suffix}`,
      ADMIN_TOKEN: `adm_${randomBytes(16).toString('hex')}`,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      DELIVERY_ALLOW_HTTP: 'true',
      DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
      DELIVERY_RETRY_SCHEDULE: '300ms,300ms',
      DELIVERY_RETRY_JITTER: '0',
      DELIVERY_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'info',
      ...env,
    }),
  );
  const config = { ...loaded, databaseUrl: loaded.databaseUrl ?? databaseUrl.toString() };
  mkdirSync(LOG_DIR, { recursive: true });
  const logger = createLogger(config.logLevel, 'hookline', pino.destination({ dest: path.join(LOG_DIR, `${suffix}.log`), sync: false }));
  const db = createDb(config.databaseUrl);
  const box = new SecretBox(config.secretsKey, config.secretsKeyPrevious);
  const api = await startApi({ config, db, box, logger, port: 0 });
  const workerBundle = await workflowBundle();
  const startOne = (bundle = workerBundle) => startWorker({ config, db, box, logger, workflowBundle: bundle });
  const workers: RunningWorker[] = [];
  if (options.worker !== false) workers.push(await startOne());
  const temporal = new Client({ connection: await Connection.connect({ address: config.temporal.address! }), namespace: config.temporal.namespace });

  const call: Hookline['call'] = async (method, urlPath, body, token = config.adminToken) => {
    const response = await fetch(`${api.url}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };

  return {
    api,
    get worker() {
      return workers[0];
    },
    db,
    config,
    temporal,
    adminToken: config.adminToken,
    call,
    async newCommunity(name = 'Test community') {
      const community = await call('POST', '/v1/communities', { name });
      const communityId = community.body.data.id as string;
      const key = await call('POST', `/v1/communities/${communityId}/api-keys`, { name: 'test' });
      return { communityId, key: key.body.data.key as string };
    },
    async startWorker(bundle) {
      const worker = await startOne(bundle);
      workers.push(worker);
      return worker;
    },
    async stop() {
      await Promise.all(workers.map((w) => w.shutdown()));
      // every worker made this file's purge schedule; the suite's Temporal outlives the file
      await temporal.schedule.getHandle(purgeScheduleId(config.temporal.taskQueue)).delete().catch(() => {});
      await api.close();
      await temporal.connection.close();
      await db.destroy();
      logger.flush();
      await dropDatabase(databaseUrl.toString()).catch(() => {});
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
