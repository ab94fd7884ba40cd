import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * SIGTERM to the worker, the API and `npm start`: the attempt in flight finishes and is recorded,
 * requests in flight are answered, the process exits 0. The entry points run from source
 * (`node --import tsx src/….ts`, signalled alone, as an orchestrator does); `npm start` runs for
 * real (an incremental build, then node on dist/ with the prebuilt workflow bundle) with its
 * embedded Temporal dev server, signalled the three ways it is in practice: SIGTERM to its node
 * process, SIGTERM to npm (which forwards it: the script execs node, so node is npm's child), and
 * SIGINT to the whole process group (Ctrl-C in a terminal). Each time every process of the tree,
 * the dev server included, must be gone, and the dev server must have outlived the attempt in flight.
 */
let hookline: Hookline;
let slow: { server: Server; url: string; arrivals: string[]; delayMs: number };
const children: ChildProcess[] = [];

beforeAll(async () => {
  hookline = await startHookline({}, { worker: false });
  const arrivals: string[] = [];
  const state = { delayMs: 3000 };
  const server = createServer((req, res) => {
    req.resume();
    arrivals.push(String(req.headers[HEADER.webhookId]));
    setTimeout(() => res.end('finally'), state.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  slow = Object.assign(state, { server, arrivals, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/slow` });
});
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    // the npm case runs in its own group: end the whole group, not just npm
    if (groupAlive(child.pid!)) process.kill(-child.pid!, 'SIGKILL');
    else child.kill('SIGKILL');
  }
  slow?.server.closeAllConnections();
  await new Promise((resolve) => slow?.server.close(resolve));
  await hookline?.stop();
});

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * A command with the environment of this test's Hookline; `group`: its own process group. An env
 * value of '' removes the variable (TEMPORAL_ADDRESS: '' runs npm start's embedded dev server).
 */
function launch(command: string[], env: Record<string, string>, group = false): Running {
  const config = hookline.config;
  const child = spawn(command[0]!, command.slice(1), {
    detached: group,
    env: withoutEmpty({
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: config.databaseUrl,
      TEMPORAL_ADDRESS: config.temporal.address!,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      ADMIN_TOKEN: config.adminToken,
      SECRETS_KEY: config.secretsKey,
      DELIVERY_ALLOW_HTTP: 'true',
      DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
      DELIVERY_ALLOWED_PORTS: 'any',
      DELIVERY_TIMEOUT_MS: '10000',
      DELIVERY_RETRY_SCHEDULE: '300ms',
      HOOKLINE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'hookline-shutdown-')),
      LOG_LEVEL: 'info',
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

const entry = (file: string) => [process.execPath, '--import', 'tsx', file];

function withoutEmpty(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}

/** A process as /proc shows it: its parent and whether it is still running (a zombie is not). */
function proc(pid: number): { ppid: number; running: boolean; cmdline: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { ppid: Number(ppid), running: state !== 'Z' && state !== 'X', cmdline };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => proc(child)?.ppid === pid);
}

function descendantsOf(pid: number): number[] {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

/** npm start's process tree once it is ready: npm, its node child, and node's `temporal` child. */
function npmStartTree(npm: Running): { npm: number; node: number; temporal: number } {
  const [node, ...others] = childrenOf(npm.child.pid!);
  expect(others, 'npm runs node directly (the script execs it)').toEqual([]);
  expect(proc(node!)?.cmdline).toMatch(/^\S*node .*dist\/src\/main\.js/);
  const temporal = childrenOf(node!).filter((pid) => /temporal server start-dev/.test(proc(pid)?.cmdline ?? ''));
  expect(temporal, npm.output()).toHaveLength(1);
  return { npm: npm.child.pid!, node: node!, temporal: temporal[0]! };
}

const running = (pid: number) => proc(pid)?.running === true;

/** Whether any process of a group is left. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForOutput(running: Running, pattern: RegExp, timeoutMs = 90_000): Promise<void> {
  await eventually(async () => (pattern.test(running.output()) ? true : undefined), timeoutMs, 100).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- output ---\n${running.output()}`);
  });
}

/** pino lines of a child's output: every line that is not JSON is a finding. */
function logLines(running: Running): Record<string, any>[] {
  return running
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
}

async function emitToSlowReceiver(api: string, token: string): Promise<string> {
  const community = await fetch(`${api}/v1/communities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'shutdown' }),
  }).then((r) => r.json() as Promise<any>);
  const call = (p: string, body: unknown) =>
    fetch(`${api}${p}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ communityId: community.data.id, ...(body as object) }),
    }).then((r) => r.json() as Promise<any>);
  await call('/v1/webhooks', { url: slow.url, events: ['user.joined'] });
  const event = await call('/v1/events', { type: 'user.joined', data: { user: { id: 'u1', username: 'ada' }, joinedAt: '2026-11-29T10:00:00.000Z' } });
  return event.data.deliveries[0].id as string;
}

async function deliveryOf(id: string) {
  return (await hookline.call('GET', `/v1/deliveries/${id}`)).body.data;
}

describe('graceful shutdown', () => {
  it('the worker: SIGTERM lets the attempt in flight finish and be recorded, then exits 0', async () => {
    const metricsPort = await freePort();
    const temporalMetricsPort = await freePort();
    const worker = launch(entry('src/worker-main.ts'), { WORKER_METRICS_PORT: String(metricsPort), TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${temporalMetricsPort}` });
    await waitForOutput(worker, /"msg":"worker running"/);

    // the worker's two metrics endpoints: Hookline's registry and the Temporal SDK's own
    const own = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(own).toContain('# TYPE hookline_attempts_total counter');
    await eventually(async () => {
      const sdk = await fetch(`http://127.0.0.1:${temporalMetricsPort}/metrics`).then((r) => r.text(), () => '');
      return /^temporal_\w+/m.test(sdk) ? true : undefined;
    });

    const deliveryId = await emitToSlowReceiver(hookline.api.url, hookline.adminToken);
    await eventually(async () => (slow.arrivals.includes(deliveryId) ? true : undefined));
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    // it waited for the receiver (3 s) rather than dropping the attempt
    expect(Date.now() - signalledAt).toBeGreaterThan(1500);

    const delivery = await deliveryOf(deliveryId);
    expect(delivery.status, worker.output()).toBe('succeeded');
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0].response).toMatchObject({ status: 200, body: 'finally' });

    const lines = logLines(worker);
    const recorded = lines.find((l) => l.msg === 'attempt recorded');
    expect(recorded).toMatchObject({ deliveryId, attempt: 1 });
    expect(lines.some((l) => l.msg === 'worker stopped')).toBe(true);
    expect(worker.output()).not.toContain(hookline.config.secretsKey);
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });

  it('the API: SIGTERM answers the request in flight, refuses new ones, exits 0', async () => {
    const port = await freePort();
    const api = launch(entry('src/api-main.ts'), { PORT: String(port) });
    await waitForOutput(api, /"msg":"API listening"/);
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // a request whose body is still arriving when the signal comes
    const body = JSON.stringify({ name: 'in flight' });
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${url}/v1/communities`,
        { method: 'POST', headers: { authorization: `Bearer ${hookline.adminToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => {
        api.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(5)), 700);
      }, 300);
    });
    const response = await answered;
    expect(response.status, response.text).toBe(201);
    expect(JSON.parse(response.text).data.name).toBe('in flight');
    expect(await api.exited).toBe(0);
    expect(logLines(api).some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('src/main.ts (npm start): SIGTERM stops the API and lets the worker finish its attempt, exits 0', async () => {
    const port = await freePort();
    const start = launch(entry('src/main.ts'), { PORT: String(port), TEMPORAL_TASK_QUEUE: `${hookline.config.temporal.taskQueue}-start` });
    await waitForOutput(start, /Hookline is ready/);
    const deliveryId = await emitToSlowReceiver(`http://127.0.0.1:${port}`, hookline.adminToken);
    await eventually(async () => (slow.arrivals.includes(deliveryId) ? true : undefined));
    const read = await fetch(`http://127.0.0.1:${port}/v1/deliveries/${deliveryId}`, { headers: { authorization: `Bearer ${hookline.adminToken}` } });
    const requestId = read.headers.get('x-request-id');
    start.child.kill('SIGTERM');
    expect(await start.exited, start.output()).toBe(0);
    // the API's line about that request names the request, its full path and the delivery
    expect(logLines(start).find((l) => l.msg === 'request' && l.requestId === requestId)).toMatchObject({
      method: 'GET',
      path: `/v1/deliveries/${deliveryId}`,
      deliveryId,
      status: 200,
    });
    const delivery = await deliveryOf(deliveryId);
    expect(delivery.status, start.output()).toBe('succeeded');
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0].response.status).toBe(200);
  });

  /**
   * `npm start` for real, on its embedded Temporal dev server (private data dir and ports), with an
   * attempt in flight when `signal` is sent; every process of the tree must be gone afterwards.
   */
  async function npmStartStopsCleanly(name: string, signal: (tree: { npm: number; node: number; temporal: number }) => void, expectSignal: string) {
    const port = await freePort();
    const start = launch(
      ['npm', 'start', '--silent'],
      {
        PORT: String(port),
        TEMPORAL_ADDRESS: '',
        TEMPORAL_DEV_PORT: String(await freePort()),
        TEMPORAL_DEV_UI_PORT: String(await freePort()),
        TEMPORAL_TASK_QUEUE: `${hookline.config.temporal.taskQueue}-${name}`,
      },
      true,
    );
    let tree: { npm: number; node: number; temporal: number } | undefined;
    try {
      await waitForOutput(start, /Hookline is ready/, 150_000);
      tree = npmStartTree(start);
      // the compiled worker loads the bundle built with it instead of running webpack
      expect(logLines(start).find((l) => l.msg === 'worker workflow code')?.workflowCode).toMatch(/dist\/workflow-bundle\.js$/);

      const deliveryId = await emitToSlowReceiver(`http://127.0.0.1:${port}`, hookline.adminToken);
      await eventually(async () => (slow.arrivals.includes(deliveryId) ? true : undefined));
      signal(tree);
      expect(await start.exited, start.output()).toBe(0);
      const { node, temporal } = tree;
      await eventually(async () => (running(node) || running(temporal) ? undefined : true), 20_000, 100).catch(() => {
        throw new Error(`left running: ${[node, temporal].filter(running).map((pid) => `${pid} ${proc(pid)?.cmdline}`).join('; ')}`);
      });
      expect(logLines(start).some((l) => l.msg === 'shutting down' && l.signal === expectSignal), start.output()).toBe(true);
      // the attempt in flight finished and was recorded: the dev server outlived the worker
      const delivery = await deliveryOf(deliveryId);
      expect(delivery.status, start.output()).toBe('succeeded');
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0].response.status).toBe(200);
    } finally {
      // after a failure: nothing left behind (the dev server is not in npm's process group)
      for (const pid of tree ? [tree.node, tree.temporal] : descendantsOf(start.child.pid!)) if (running(pid)) process.kill(pid, 'SIGKILL');
    }
  }

  it('npm start: SIGTERM to its node process stops everything, the dev server last, and npm exits 0', async () => {
    await npmStartStopsCleanly('node', (tree) => process.kill(tree.node, 'SIGTERM'), 'SIGTERM');
  });

  it('npm start: SIGTERM to npm itself is forwarded to node, and nothing is left running', async () => {
    await npmStartStopsCleanly('npm', (tree) => process.kill(tree.npm, 'SIGTERM'), 'SIGTERM');
  });

  it('npm start in a terminal: Ctrl-C (SIGINT to the process group) stops everything, the dev server last', async () => {
    // the dev server has a process group of its own, so only Hookline stops it, after the worker
    await npmStartStopsCleanly('group', (tree) => process.kill(-tree.npm, 'SIGINT'), 'SIGINT');
  });

  it('npm start: an error after the dev server started (Postgres unreachable) exits 1 and stops the dev server', async () => {
    const devPort = await freePort();
    const start = launch(['npm', 'start', '--silent'], {
      PORT: String(await freePort()),
      TEMPORAL_ADDRESS: '',
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_DEV_UI_PORT: String(await freePort()),
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    });
    const devServers = () =>
      readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .map(Number)
        .filter((pid) => running(pid) && new RegExp(`start-dev .*--port ${devPort} `).test(proc(pid)?.cmdline ?? ''));
    expect(await start.exited, start.output()).toBe(1);
    expect(start.output()).toContain(`localhost:${devPort}`); // the dev server did start
    expect(logLines(start).find((l) => l.msg === 'start-up failed')?.err?.message).toMatch(/ECONNREFUSED/);
    await eventually(async () => (devServers().length === 0 ? true : undefined), 15_000).catch(() => {
      throw new Error(`dev server left running: ${devServers().join(', ')}`);
    });
  });
});
