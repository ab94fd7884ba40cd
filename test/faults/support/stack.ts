import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createDb, type Db } from '../../../src/db/database.js';
import { ensureDatabase, migrate } from '../../../src/db/migrate.js';
import type { TestPostgres } from '../../support/test-postgres.js';
import { Child } from './processes.js';
import type { DevServer } from './temporal.js';

/** Settings every scenario's processes share: short schedule and timeout so faults play out in seconds. */
export const DELIVERY_TIMEOUT_MS = 2000;
export const RETRY_SCHEDULE = '1s,2s,3s,4s,5s';
export const ATTEMPTS_PER_SCHEDULE = RETRY_SCHEDULE.split(',').length + 1;
/** The worker's shutdownGraceTime (src/worker.ts). */
export const WORKER_GRACE_MS = 30_000;

/**
 * One scenario's Hookline, as real processes: `node --import tsx src/api-main.ts` and
 * `src/worker-main.ts` configured by environment variables, on a fresh database of the private
 * cluster and a task queue of its own, against a Temporal dev server.
 */
export class Stack {
  api: Child | undefined;
  readonly workers = new Map<string, Child>();
  /** Every process this stack has started, in order, including the ones killed since. */
  readonly started: Child[] = [];
  readonly adminToken = `adm_${randomBytes(16).toString('hex')}`;
  readonly secretsKey = randomBytes(32).toString('base64');
  readonly taskQueue: string;
  readonly databaseUrl: string;
  private generations = new Map<string, number>();

  private constructor(
    readonly scenario: string,
    readonly temporal: DevServer,
    readonly apiPort: number,
    readonly db: Db,
    databaseUrl: string,
    readonly client: Client,
  ) {
    this.taskQueue = `hookline-faults-${scenario}`;
    this.databaseUrl = databaseUrl;
  }

  static async create(options: { scenario: string; cluster: TestPostgres; temporal: DevServer; apiPort: number }): Promise<Stack> {
    const databaseUrl = options.cluster.url(`hookline_faults_${options.scenario.replace(/[^a-z0-9]/gi, '_')}`);
    await ensureDatabase(databaseUrl);
    await migrate(databaseUrl);
    const db = createDb(databaseUrl, { max: 4 });
    const client = new Client({ connection: await Connection.connect({ address: options.temporal.address }) });
    return new Stack(options.scenario, options.temporal, options.apiPort, db, databaseUrl, client);
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PORT: String(this.apiPort),
      DATABASE_URL: this.databaseUrl,
      TEMPORAL_ADDRESS: this.temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      ADMIN_TOKEN: this.adminToken,
      SECRETS_KEY: this.secretsKey,
      DELIVERY_ALLOW_HTTP: 'true',
      DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
      DELIVERY_RETRY_SCHEDULE: RETRY_SCHEDULE,
      DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
      LOG_LEVEL: 'info',
    };
  }

  private spawn(role: 'api' | 'worker', name: string): Child {
    const generation = (this.generations.get(name) ?? 0) + 1;
    this.generations.set(name, generation);
    const script = role === 'api' ? 'src/api-main.ts' : 'src/worker-main.ts';
    const child = new Child(`${this.scenario}-${name}-${generation}`, process.execPath, ['--import', 'tsx', script], this.env());
    this.started.push(child);
    return child;
  }

  /** Starts the API and waits until it answers /healthz. */
  async startApi(): Promise<Child> {
    const child = this.spawn('api', 'api');
    this.api = child;
    await child.waitForLine(/"msg":"API listening"/, 60_000);
    return child;
  }

  /** Starts a worker and waits until it polls (it bundles the workflow code first). */
  async startWorker(name: string): Promise<Child> {
    const child = this.spawn('worker', name);
    this.workers.set(name, child);
    await child.waitForLine(/"msg":"worker running"/, 120_000);
    return child;
  }

  /** Every process this stack started and that has not exited. */
  running(): Child[] {
    return [this.api, ...this.workers.values()].filter((c): c is Child => c !== undefined && c.running);
  }

  /** Orderly stop: SIGTERM to each process; reports the ones that needed a SIGKILL or exited badly. */
  async stopProcesses(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(
      this.running().map(async (child) => {
        const exit = await child.terminate(WORKER_GRACE_MS + 10_000);
        if (exit.forced) problems.push(`${child.name} did not exit on SIGTERM within ${WORKER_GRACE_MS + 10_000} ms`);
        else if (exit.code !== 0) problems.push(`${child.name} exited with code ${exit.code} (signal ${exit.signal}) on SIGTERM`);
      }),
    );
    return problems;
  }

  /** Processes that exited although the suite never stopped them: crashes. */
  crashed(): Child[] {
    return this.started.filter((c) => !c.running && !c.stopRequested);
  }

  async close(): Promise<void> {
    await this.client.connection.close().catch(() => {});
    await this.db.destroy().catch(() => {});
  }
}
