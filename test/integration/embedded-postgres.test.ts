import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { eventually } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * The README's two commands on a fresh clone with DATABASE_URL unset, as a user with no PostgreSQL
 * of their own runs them: `npm run setup` prepares the embedded server (initialises .data/postgres,
 * creates the database, migrates, stops it) and `npm start` runs it with everything else. An event
 * goes end to end to a loopback receiver and its signature verifies; the data outlives a Ctrl-C
 * (the attempt in flight at that moment is recorded: the database outlived the worker), a kill -9
 * that leaves the server running, and a kill -9 of everything that leaves a stale postmaster.pid.
 *
 * The machine's own PostgreSQL (127.0.0.1:5432, if any) is not used: libpq's variables point at a
 * port where nothing listens, and no process of the clone's ever holds a connection to 5432 (read
 * from /proc, the probe proven by the connections it does see to the embedded server's port).
 *
 * The clone is of HEAD (commit before running this file) and installs its dependencies with
 * `npm ci` from npm's cache (prefer-offline), as setup always does.
 */
const REPO = process.cwd();
let clone: string;
let receiver: TestReceiver;
let env: Record<string, string>;
let apiUrl: string;
let devPort: number;
const launched: ChildProcess[] = [];
const foreignHits: string[] = [];
let probe: NodeJS.Timeout | undefined;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

beforeAll(async () => {
  clone = mkdtempSync(path.join(tmpdir(), 'hookline-clone-'));
  execFileSync('git', ['clone', '--quiet', REPO, clone]);
  receiver = await TestReceiver.start();
  const port = await freePort();
  devPort = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
    npm_config_prefer_offline: 'true',
    // anything that fell back on libpq's variables would find nothing here
    PGHOST: '127.0.0.1',
    PGPORT: String(await freePort()),
    PGUSER: 'not-the-embedded-server',
    PGDATABASE: 'not-the-embedded-server',
    PORT: String(port),
    TEMPORAL_DEV_PORT: String(devPort),
    TEMPORAL_DEV_UI_PORT: String(await freePort()),
    DELIVERY_ALLOW_HTTP: 'true',
    DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
    LOG_LEVEL: 'info',
  };
  // every 250 ms until the end: any connection of the clone's processes to the machine's 5432
  probe = setInterval(() => foreignHits.push(...tcpConnections(cloneProcesses(), 5432)), 250);
}, 60_000);

afterAll(async () => {
  if (probe) clearInterval(probe);
  for (const child of launched) if (child.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  for (const pid of cloneProcesses()) process.kill(pid, 'SIGKILL');
  await receiver?.stop();
  if (clone) rmSync(clone, { recursive: true, force: true });
});

function launch(command: string[]): Started {
  const child = spawn(command[0]!, command.slice(1), { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  launched.push(child);
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function npmStart(): Promise<Started & { node: number; temporal: number; postgres: number }> {
  const start = launch(['npm', 'start', '--silent']);
  await eventually(async () => (/Admin token .*\n/.test(start.output()) ? true : start.child.exitCode !== null ? false : undefined), 150_000, 200).then(
    (ready) => {
      if (!ready) throw new Error(`npm start exited\n${start.output()}`);
    },
    (error: unknown) => {
      throw new Error(`${String(error)}\n${start.output()}`);
    },
  );
  const [node] = childrenOf(start.child.pid!);
  const under = childrenOf(node!);
  const temporal = under.find((pid) => /temporal server start-dev/.test(cmdline(pid)));
  const postgres = under.find((pid) => cmdline(pid).includes(`postgres -D ${dataDir()} `));
  expect(temporal, start.output()).toBeDefined();
  expect(postgres, `npm start runs the embedded server as its child\n${start.output()}`).toBeDefined();
  return { ...start, node: node!, temporal: temporal!, postgres: postgres! };
}

const dataDir = () => path.join(clone, '.data', 'postgres');
const adminToken = () => readFileSync(path.join(clone, '.data', 'admin-token'), 'utf8').trim();

async function call<T = any>(method: string, urlPath: string, body?: unknown, token = adminToken()): Promise<{ status: number; body: T }> {
  const response = await fetch(`${apiUrl}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function messages(started: Started): string[] {
  return started
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => String((JSON.parse(l) as { msg?: unknown }).msg ?? ''));
}

const joined = (userId: string) => ({ type: 'user.joined', data: { user: { id: userId, username: `user-${userId}` }, joinedAt: '2026-11-29T10:00:00.000Z' } });

describe('embedded PostgreSQL: npm run setup && npm start on a fresh clone, DATABASE_URL unset', () => {
  let community: { id: string; key: string };
  let webhook: { id: string; secret: string };
  const deliveries: string[] = [];

  it('npm run setup initialises .data/postgres, creates the database, migrates, and stops the server again', async () => {
    const setup = launch(['npm', 'run', 'setup']);
    expect(await setup.exited, setup.output()).toBe(0);
    expect(setup.output()).toContain(`initialised an embedded PostgreSQL in ${dataDir()}`);
    expect(setup.output()).toMatch(/created the database 127\.0\.0\.1:\d+\/hookline/);
    expect(setup.output()).toMatch(/applied 0001_initial\.sql, /);
    expect(existsSync(path.join(dataDir(), 'PG_VERSION'))).toBe(true);
    // stopped cleanly: no server left, no lock file
    expect(existsSync(path.join(dataDir(), 'postmaster.pid'))).toBe(false);
    expect(postgresProcesses()).toEqual([]);
  }, 240_000);

  it('npm start runs it and delivers an event end to end; nothing of the machine\'s 5432 is used', async () => {
    const marker = await systemDatabaseMarker();
    const start = await npmStart();
    expect(start.output()).toMatch(new RegExp(`Postgres +embedded, 127\\.0\\.0\\.1:\\d+, data in ${escape(dataDir())}\\n`));

    const created = await call('POST', '/v1/communities', { name: 'Embedded' });
    expect(created.status).toBe(201);
    const key = await call('POST', `/v1/communities/${created.body.data.id}/api-keys`, { name: 'embedded' });
    community = { id: created.body.data.id, key: key.body.data.key };
    const hook = await call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'] }, community.key);
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    webhook = hook.body.data;

    receiver.responder = () => ({ status: 200, body: 'ok' });
    const emitted = await call('POST', '/v1/events', joined('u1'), community.key);
    expect(emitted.status).toBe(202);
    deliveries.push(emitted.body.data.deliveries[0].id);
    const [arrival] = await receiver.waitFor(1);
    const payload = new Webhook(webhook.secret).verify(arrival!.body, arrival!.headers) as { type: string; data: { user: { id: string } } };
    expect(payload.type).toBe('user.joined');
    expect(payload.data.user.id).toBe('u1');
    await eventually(async () => ((await call('GET', `/v1/deliveries/${deliveries[0]}`, undefined, community.key)).body.data.status === 'succeeded' ? true : undefined));

    // the rows are in the embedded server's database (its URL kept in .data/postgres-url)
    const embeddedUrl = readFileSync(path.join(clone, '.data', 'postgres-url'), 'utf8').trim();
    const embeddedPort = Number(new URL(embeddedUrl).port);
    const client = new pg.Client({ connectionString: embeddedUrl });
    await client.connect();
    try {
      expect((await client.query('select name from communities where id = $1', [community.id])).rows).toEqual([{ name: 'Embedded' }]);
    } finally {
      await client.end();
    }
    // the probe sees the app's own connections (to the embedded server), and none to 5432
    expect(tcpConnections([start.node], embeddedPort).length).toBeGreaterThan(0);
    expect(foreignHits).toEqual([]);
    expect(await systemDatabaseMarker(community.id)).toEqual(marker);

    // Ctrl-C while an attempt is in flight: the worker finishes it and records it before the
    // database stops, then everything exits
    receiver.responder = () => ({ status: 200, body: 'slow', delayMs: 2500 });
    const slow = await call('POST', '/v1/events', joined('u2'), community.key);
    deliveries.push(slow.body.data.deliveries[0].id);
    await receiver.waitFor(2);
    process.kill(-start.child.pid!, 'SIGINT');
    expect(await start.exited, start.output()).toBe(0);
    await eventually(async () => (postgresProcesses().length === 0 && !alive(start.temporal) ? true : undefined), 20_000);
    expect(existsSync(path.join(dataDir(), 'postmaster.pid'))).toBe(false);
    expect(messages(start)).toContain('shutting down');
  }, 200_000);

  it('a restart keeps the data; hookline doctor finds the embedded server', async () => {
    const start = await npmStart();
    const first = await call('GET', `/v1/deliveries/${deliveries[0]}`, undefined, community.key);
    expect(first.body.data).toMatchObject({ status: 'succeeded', webhookId: webhook.id });
    // recorded during the Ctrl-C above
    const second = await call('GET', `/v1/deliveries/${deliveries[1]}`, undefined, community.key);
    expect(second.body.data.status).toBe('succeeded');
    expect(second.body.data.attempts).toHaveLength(1);
    expect(second.body.data.attempts[0].response).toMatchObject({ status: 200, body: 'slow' });

    const doctor = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, ['bin/hookline.js', 'doctor'], { cwd: clone, env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${devPort}`, HOOKLINE_URL: apiUrl }, timeout: 60_000 }, (error, stdout) =>
        resolve({ code: error ? 1 : 0, stdout }),
      ),
    );
    expect(doctor.stdout).toMatch(new RegExp(`^ok\\s+postgres\\s+127\\.0\\.0\\.1:\\d+/hookline \\(embedded, ${escape(dataDir())}\\), \\d+ migrations applied$`, 'm'));
    expect(doctor.code, doctor.stdout).toBe(0);

    // kill -9 of Hookline (and of its Temporal dev server, which would keep its port): the
    // embedded server is left running, an orphan
    process.kill(start.node, 'SIGKILL');
    process.kill(start.temporal, 'SIGKILL');
    await start.exited;
    expect(alive(start.postgres)).toBe(true);
  }, 200_000);

  it('after a kill -9 that left the server running, the next start stops that one and starts its own', async () => {
    const orphans = postgresProcesses();
    expect(orphans.length).toBeGreaterThan(0);
    const start = await npmStart();
    expect(messages(start).some((m) => /was left running by a Hookline process that was killed; stopping it/.test(m)), start.output()).toBe(true);
    expect(orphans.filter(alive).filter((pid) => pid !== start.postgres)).toEqual([]);
    expect((await call('GET', `/v1/deliveries/${deliveries[1]}`, undefined, community.key)).body.data.status).toBe('succeeded');

    // now kill -9 everything, the server too: its postmaster.pid stays behind
    for (const pid of [start.node, start.temporal, start.postgres]) process.kill(pid, 'SIGKILL');
    await start.exited;
    await eventually(async () => (postgresProcesses().length === 0 ? true : undefined), 20_000);
    expect(existsSync(path.join(dataDir(), 'postmaster.pid'))).toBe(true);
  }, 200_000);

  it('a stale postmaster.pid does not stop the next start; the data survived the crash', async () => {
    const start = await npmStart();
    expect(messages(start).some((m) => /removed a stale postmaster\.pid/.test(m)), start.output()).toBe(true);
    const list = await call('GET', `/v1/deliveries?webhookId=${webhook.id}`, undefined, community.key);
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect((list.body.data as { id: string }[]).map((d) => d.id).sort()).toEqual([...deliveries].sort());
    receiver.responder = () => ({ status: 200, body: 'ok' });
    const third = await call('POST', '/v1/events', joined('u3'), community.key);
    expect(third.status).toBe(202);
    await receiver.waitFor(3);

    process.kill(start.node, 'SIGTERM');
    expect(await start.exited, start.output()).toBe(0);
    await eventually(async () => (postgresProcesses().length === 0 ? true : undefined), 20_000);
    expect(existsSync(path.join(dataDir(), 'postmaster.pid'))).toBe(false);
    expect(foreignHits).toEqual([]);
  }, 200_000);
});

/** The embedded server's processes (postmaster and its children, which share its command line until they rename themselves) for the clone. */
function postgresProcesses(): number[] {
  return allPids().filter((pid) => cmdline(pid).includes(`postgres -D ${dataDir()} `));
}

/** Every live process whose working directory or command line is in the clone (the embedded server's included). */
function cloneProcesses(): number[] {
  if (!clone) return [];
  return allPids().filter((pid) => {
    if (pid === process.pid) return false;
    try {
      return readlinkSync(`/proc/${pid}/cwd`).startsWith(clone) || cmdline(pid).includes(clone);
    } catch {
      return false;
    }
  });
}

/** TCP connections from any of `pids` to `port` on any address (from /proc/net/tcp and tcp6). */
function tcpConnections(pids: number[], port: number): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const match = /^socket:\[(\d+)\]$/.exec(safeReadlink(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]!);
      }
    } catch {
      // gone
    }
  }
  const hits: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (parseInt(cols[2]!.split(':').pop()!, 16) === port && inodes.has(cols[9]!)) hits.push(line.trim());
    }
  }
  return hits;
}

/**
 * What the machine's own server on 5432 says about Hookline, if one answers there: whether it has
 * a `hookline` database, and whether `communityId` is in it. Undefined when nothing answers.
 */
async function systemDatabaseMarker(communityId?: string): Promise<{ hooklineDatabase: boolean; community: boolean } | undefined> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
  } catch {
    return undefined;
  }
  try {
    const exists = (await client.query("select 1 from pg_database where datname = 'hookline'")).rowCount === 1;
    if (!exists || !communityId) return { hooklineDatabase: exists, community: false };
    const inner = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'hookline', connectionTimeoutMillis: 2000 });
    await inner.connect();
    try {
      const found = await inner.query("select 1 from pg_tables where tablename = 'communities'").then((r) => (r.rowCount ? inner.query('select 1 from communities where id = $1', [communityId]) : r));
      return { hooklineDatabase: true, community: (found.rowCount ?? 0) > 0 };
    } finally {
      await inner.end();
    }
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter(alive);
}

function childrenOf(pid: number): number[] {
  return allPids().filter((child) => ppid(child) === pid);
}

function ppid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function safeReadlink(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    return '';
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
