/**
 * The system under test, each part its own process: a Temporal dev server (started here, or reused
 * from TEMPORAL_ADDRESS), a fresh Postgres database, the Hookline API (`src/api-main.ts`) and one
 * Hookline worker (`src/worker-main.ts`), the floor's worker, and the receiver on loopback.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { Pool } from 'undici';
import { dropDatabase, ensureDatabase, migrate } from '../src/db/migrate.js';
import { DEV_SERVER_SQLITE_PRAGMAS, waitForServer } from '../src/temporal/dev-server.js';
import { devServerSearchAttributeFlags } from '../src/temporal/search-attributes.js';
import { freePort } from '../test/support/free-port.js';
import { type Child, ROOT, sleep, startChild, tsChild, waitFor } from './lib.js';

// ---------------------------------------------------------------- receiver

export class Receiver {
  readonly arrivals = new Map<string, number>();
  private waiters = new Map<string, () => void>();
  private counts = new Map<number, (n: number) => void>();
  private nonce = 0;
  private constructor(
    readonly child: Child,
    readonly port: number,
  ) {
    child.process.on('message', (message: { type: string; ids?: string[]; at?: number[]; count?: number; nonce?: number }) => {
      if (message.type === 'arrivals') {
        const ids = message.ids!;
        const at = message.at!;
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i]!;
          if (!this.arrivals.has(id)) this.arrivals.set(id, at[i]!);
          const waiter = this.waiters.get(id);
          if (waiter) {
            this.waiters.delete(id);
            waiter();
          }
        }
      } else if (message.type === 'count') {
        this.counts.get(message.nonce!)?.(message.count!);
        this.counts.delete(message.nonce!);
      }
    });
  }

  static async start(logDir: string): Promise<Receiver> {
    const child = tsChild('receiver', 'bench/receiver.ts', { logDir, ipc: true });
    const port = await new Promise<number>((resolve, reject) => {
      child.process.once('message', (m: { type: string; port: number }) => (m.type === 'ready' ? resolve(m.port) : reject(new Error('receiver?'))));
      child.process.once('exit', () => reject(new Error(`receiver exited; see ${child.logFile}`)));
    });
    return new Receiver(child, port);
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves with the arrival time, or undefined after timeoutMs. */
  async wait(id: string, timeoutMs: number): Promise<number | undefined> {
    const known = this.arrivals.get(id);
    if (known !== undefined) return known;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.waiters.set(id, resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    this.waiters.delete(id);
    return this.arrivals.get(id);
  }

  /** Requests received so far (all of them, with or without a webhook-id). */
  count(): Promise<number> {
    const nonce = ++this.nonce;
    return new Promise((resolve) => {
      this.counts.set(nonce, resolve);
      this.child.process.send({ type: 'count', nonce });
    });
  }
}

// ---------------------------------------------------------------- Temporal

export interface TemporalServer {
  address: string;
  /** The server process, when this run started it (for CPU and memory). */
  child?: Child;
  dataFile?: string;
  settings: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** 'wal' (as npm start runs it), 'file' (SQLite defaults), 'memory' */
  storage?: 'wal' | 'file' | 'memory';
  dynamicConfig?: string[];
}

export async function startTemporal(logDir: string, options: DevServerOptions = {}): Promise<TemporalServer> {
  const reuse = process.env.TEMPORAL_ADDRESS;
  if (reuse) {
    await waitForServer(reuse, 10_000);
    return { address: reuse, settings: `reused ${reuse} (its settings are its own)`, async stop() {} };
  }
  const storage = options.storage ?? 'wal';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-bench-temporal-'));
  const dataFile = path.join(dir, 'temporal.sqlite');
  const port = await freePort();
  const storageArgs =
    storage === 'memory'
      ? []
      : ['--db-filename', dataFile, ...(storage === 'wal' ? DEV_SERVER_SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]) : [])];
  const args = [
    'server', 'start-dev', '--headless',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--http-port', String(await freePort()),
    '--namespace', 'default',
    ...storageArgs,
    ...(options.dynamicConfig ?? []).flatMap((v) => ['--dynamic-config-value', v]),
    '--log-level', 'error',
    ...devServerSearchAttributeFlags(),
  ];
  const child = startChild('temporal', process.env.TEMPORAL_CLI_PATH ?? 'temporal', args, { logDir });
  const address = `127.0.0.1:${port}`;
  await waitForServer(address, 60_000);
  const settings =
    storage === 'memory'
      ? 'dev server, in memory'
      : `dev server, SQLite file${storage === 'wal' ? ` + ${DEV_SERVER_SQLITE_PRAGMAS.join(', ')}` : ' (defaults)'}`;
  return {
    address,
    child,
    ...(storage === 'memory' ? {} : { dataFile }),
    settings: settings + (options.dynamicConfig?.length ? `; ${options.dynamicConfig.join(', ')}` : ''),
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bytes of the dev server's SQLite file, WAL included. */
export function temporalStorageBytes(server: TemporalServer): number | undefined {
  if (!server.dataFile) return undefined;
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  return size(server.dataFile) + size(`${server.dataFile}-wal`);
}

// ---------------------------------------------------------------- Postgres

export interface BenchDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

export async function freshDatabase(runId: string): Promise<BenchDatabase> {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hookline');
  base.pathname = `/hookline_bench_${runId}`;
  const url = base.toString();
  await dropDatabase(url).catch(() => {});
  await ensureDatabase(url);
  await migrate(url);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {});
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      await dropDatabase(url).catch(() => {});
    },
  };
}

// ---------------------------------------------------------------- Hookline

export interface Hookline {
  api: Child;
  worker: Child;
  apiUrl: string;
  http: Pool;
  adminToken: string;
  taskQueue: string;
  deadUrl: string;
  /** Calls the API and parses the envelope; throws on an unexpected status. */
  call<T = any>(method: string, urlPath: string, body: unknown, token: string, expect: number): Promise<T>;
  newCommunity(name: string): Promise<{ communityId: string; key: string }>;
  stop(): Promise<void>;
}

/** Settings of the Hookline processes for the benchmark (everything else is the defaults). */
export const HOOKLINE_BENCH_ENV = {
  DELIVERY_ALLOW_HTTP: 'true',
  DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
  // The parked scenario wants its 10,000 deliveries waiting, not retrying while they are created:
  // the first wait is 10 minutes here instead of 5 s. Successful deliveries are unaffected.
  DELIVERY_RETRY_SCHEDULE: '10m,30m,2h,5h,10h,10h,10h',
  LOG_LEVEL: 'info',
  // The per-key limit (3,000/min by default) would answer the api scenario with 429s; the limiter
  // still runs, at its highest setting, so its cost is in the figures.
  API_RATE_LIMIT_PER_MINUTE: '10000000',
  // the fanout scenario subscribes 1,000 webhooks of one community (the default cap is 100)
  MAX_WEBHOOKS_PER_COMMUNITY: '10000',
};

/**
 * src/worker-main.ts itself, unless a tuning run overrides its options (bench/hookline-worker.ts) or
 * BENCH_WORKER_ENTRY names another wrapper (for profiling).
 */
export function hooklineWorkerEntry(): string {
  if (process.env.BENCH_WORKER_ENTRY) return process.env.BENCH_WORKER_ENTRY;
  if (process.env.BENCH_WORKER_OPTIONS || process.env.BENCH_PG_POOL_MAX || process.env.BENCH_PURGE_TUNING) return 'bench/hookline-worker.ts';
  return 'src/worker-main.ts';
}

/** Whether this run starts the API and worker with tsx on the sources rather than from dist/. */
export function runsFromSource(): boolean {
  return process.env.BENCH_FROM_SOURCE === '1' || hooklineWorkerEntry() !== 'src/worker-main.ts';
}

export async function startHookline(options: {
  logDir: string;
  runId: string;
  temporalAddress: string;
  databaseUrl: string;
  /** Another checkout to run (its dist/, or its sources), e.g. a baseline build (bench/baseline.ts). */
  root?: string;
  /** Names this stack's processes and task queue, when a run starts more than one. */
  name?: string;
  /** More settings for both processes (OTEL_*, the growth scenario's RETENTION and PURGE_INTERVAL, …). */
  env?: Record<string, string>;
}): Promise<Hookline> {
  const port = await freePort();
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const taskQueue = `bench-${options.runId}${options.name ? `-${options.name}` : ''}`;
  const prefix = options.name ? `${options.name}-` : '';
  const cwd = options.root;
  const env = {
    ...HOOKLINE_BENCH_ENV,
    ...options.env,
    PORT: String(port),
    DATABASE_URL: options.databaseUrl,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ADMIN_TOKEN: adminToken,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    ...options.env,
  };
  // BENCH_WORKER_NODE_OPTIONS: Node flags for the worker alone (e.g. --max-old-space-size=160)
  const workerEnv = process.env.BENCH_WORKER_NODE_OPTIONS ? { ...env, NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : env;
  const fromSource = runsFromSource();
  // As `npm run api` and `npm run worker` run them (compiled by `npm run build`, which the bench runs
  // first; the worker through scripts/worker.sh, with its heap cap and prebuilt workflow bundle),
  // unless BENCH_FROM_SOURCE=1 or a tuning wrapper asks for tsx on the sources.
  const api = fromSource
    ? tsChild(`${prefix}api`, 'src/api-main.ts', { env, logDir: options.logDir, cwd })
    : startChild(`${prefix}api`, 'node', ['--enable-source-maps', 'dist/src/api-main.js'], { env, logDir: options.logDir, cwd });
  const worker = fromSource
    ? tsChild(`${prefix}worker`, hooklineWorkerEntry(), { env: workerEnv, logDir: options.logDir, cwd })
    : startChild(`${prefix}worker`, 'sh', ['scripts/worker.sh'], { env: workerEnv, logDir: options.logDir, cwd });
  const apiUrl = `http://127.0.0.1:${port}`;
  const http = new Pool(apiUrl, { connections: 128, keepAliveTimeout: 60_000 });
  await waitFor(
    'the API to answer /readyz',
    async () => {
      if (api.process.exitCode !== null) throw new Error(`the API exited; see ${api.logFile}`);
      const r = await http.request({ method: 'GET', path: '/readyz' });
      await r.body.dump();
      return r.statusCode === 200 ? true : undefined;
    },
    60_000,
    200,
  );
  await waitFor(
    'the worker to run',
    async () => {
      if (worker.process.exitCode !== null) throw new Error(`the worker exited; see ${worker.logFile}`);
      return readFileSync(worker.logFile, 'utf8').includes('worker running') ? true : undefined;
    },
    90_000,
    200,
  );
  const deadPort = await freePort(); // nothing listens there: every POST is refused
  const call: Hookline['call'] = async (method, urlPath, body, token, expect) => {
    const r = await http.request({
      method: method as 'POST',
      path: urlPath,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.body.text();
    if (r.statusCode !== expect) throw new Error(`${method} ${urlPath}: HTTP ${r.statusCode} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text).data : undefined) as never;
  };
  return {
    api,
    worker,
    apiUrl,
    http,
    adminToken,
    taskQueue,
    deadUrl: `http://127.0.0.1:${deadPort}/dead`,
    call,
    async newCommunity(name) {
      const community = await call<{ id: string }>('POST', '/v1/communities', { name }, adminToken, 201);
      const key = await call<{ key: string }>('POST', `/v1/communities/${community.id}/api-keys`, { name: 'bench' }, adminToken, 201);
      return { communityId: community.id, key: key.key };
    },
    async stop() {
      await http.close();
      await Promise.all([api.stop(), worker.stop()]);
    },
  };
}

// ---------------------------------------------------------------- the floor

export interface Floor {
  worker: Child;
  client: Client;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startFloor(options: {
  logDir: string;
  runId: string;
  temporalAddress: string;
  env?: Record<string, string>;
  name?: string;
}): Promise<Floor> {
  const taskQueue = `bench-floor-${options.runId}-${randomBytes(3).toString('hex')}`;
  const name = options.name ?? 'floor-worker';
  const worker = tsChild(name, 'bench/floor/worker.ts', {
    env: { TEMPORAL_ADDRESS: options.temporalAddress, FLOOR_TASK_QUEUE: taskQueue, ...options.env },
    logDir: options.logDir,
  });
  await waitFor(
    'the floor worker to run',
    async () => {
      if (worker.process.exitCode !== null) throw new Error(`the floor worker exited; see ${worker.logFile}`);
      return readFileSync(worker.logFile, 'utf8').includes(`running on ${taskQueue}`) ? true : undefined;
    },
    90_000,
    200,
  );
  const connection = await Connection.connect({ address: options.temporalAddress });
  return {
    worker,
    client: new Client({ connection, namespace: 'default' }),
    taskQueue,
    async stop() {
      await worker.stop();
      await connection.close();
    },
  };
}

export function makeLogDir(runId: string): string {
  const dir = path.join(ROOT, 'bench', 'results', 'logs', runId);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export { sleep };
