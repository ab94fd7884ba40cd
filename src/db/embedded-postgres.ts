import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import {
  initialiseCluster,
  type LockFile,
  type PostgresLog,
  postgresBinaries,
  PostgresStartError,
  readLockFile,
  type RunningPostgres,
  serverAccount,
  startServer,
} from './postgres-server.js';

/**
 * Hookline's embedded PostgreSQL, used when DATABASE_URL is unset: a real server from npm
 * (src/db/postgres-server.ts) with its data in .data/postgres, so a machine with no PostgreSQL
 * installed runs Hookline. `npm run setup` initialises it, starts it, migrates and stops it;
 * `npm start` runs it for as long as it runs, and stops it last.
 *
 * Its URL, with the password generated at initialisation and the port, is kept in
 * .data/postgres-url (mode 600). The port is a free one chosen once and kept, so the URL stays the
 * same across restarts (a `npm run worker` or psql pointed at it reconnects after one) and
 * moves only when something else has taken that port meanwhile. `npm run api` and `npm run worker`
 * and the `hookline` command read the URL there.
 *
 * A start finds what an earlier one may have left: a postmaster.pid whose process is gone (a
 * kill -9 of the whole tree, a machine restart) is removed; a server still running that was
 * started by a Hookline process that has been killed is stopped and started anew; one that a live
 * Hookline process runs (npm start, while `npm run setup` or `hookline secrets reseal` runs) is
 * used as it is and left running.
 */
export const EMBEDDED_DATABASE = 'hookline';

export function embeddedPostgresDir(dataDir: string): string {
  return path.join(dataDir, 'postgres');
}

function urlFile(dataDir: string): string {
  return path.join(dataDir, 'postgres-url');
}

/** The embedded server's URL (its `hookline` database), or undefined before it was first set up. */
export function embeddedDatabaseUrl(dataDir: string): string | undefined {
  const kept = readKept(dataDir);
  return kept && urlOf(kept.password, kept.port);
}

export interface EmbeddedPostgres {
  url: string;
  port: number;
  dir: string;
  /** `initialised` and `started`: by this process, which stops it; `running`: another Hookline process runs it, and stop() leaves it. */
  state: 'initialised' | 'started' | 'running';
  stop(): Promise<void>;
}

/**
 * Starts the embedded server of `dataDir` (initialising it first unless `initialise` is false), or
 * finds it running. Resolves once it accepts connections.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; log: PostgresLog; initialise?: boolean }): Promise<EmbeddedPostgres> {
  const { dataDir, log } = options;
  const dir = embeddedPostgresDir(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const set = existsSync(path.join(dir, 'PG_VERSION'));
  let kept = readKept(dataDir);
  if (!set && options.initialise === false) throw new Error(`there is no embedded PostgreSQL in ${dir} yet: run npm run setup, or set DATABASE_URL`);
  if (!set && existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not a PostgreSQL data directory (it has no PG_VERSION): move it away, or set DATABASE_URL`);
  if (set && !kept) {
    throw new Error(`${urlFile(dataDir)}, which holds the password and port of the embedded PostgreSQL in ${dir}, is missing: restore it, or move ${dir} away to start with an empty database`);
  }
  const binaries = await postgresBinaries();
  const account = serverAccount(dir);

  if (!set) {
    // the URL first: a set-up interrupted after this point initialises again with the same password
    kept = { password: kept?.password ?? randomBytes(24).toString('base64url'), port: kept?.port ?? (await freePort()) };
    writeKept(dataDir, kept);
    // initdb into a directory of its own, renamed when complete: an interrupted initdb leaves no half a cluster
    for (const name of readdirSync(dataDir).filter((n) => n.startsWith('postgres.init-'))) rmSync(path.join(dataDir, name), { recursive: true, force: true });
    const staging = path.join(dataDir, `postgres.init-${process.pid}`);
    await initialiseCluster(staging, { binaries, password: kept.password, sync: true, account, log });
    rmSync(dir, { recursive: true, force: true }); // an empty directory, if any
    renameSync(staging, dir);
    log('info', `initialised an embedded PostgreSQL in ${dir}`);
  }
  const { password } = kept!;

  const running = await settleLockFile(dir, log);
  if (running) return { url: urlOf(password, running.port), port: running.port, dir, state: 'running', stop: async () => {} };

  let port = kept!.port;
  if (!(await portIsFree(port))) {
    const next = await freePort();
    log('info', `port ${port} of the embedded PostgreSQL is taken by something else; it moves to ${next} (${urlFile(dataDir)})`);
    port = next;
  }
  let server: RunningPostgres | undefined;
  for (let attempt = 1; !server; attempt++) {
    try {
      server = await startServer(dir, { binaries, port, account, log });
    } catch (error) {
      if (!(error instanceof PostgresStartError) || attempt >= 10) throw error;
      if (error.reason === 'port-in-use') port = await freePort(); // taken between the check and the bind
      else if (error.reason === 'shared-memory-in-use') await sleep(500); // an old server's processes are exiting
      else if (error.reason === 'lock-file' && !(await settleLockFile(dir, log))) continue;
      else throw error;
    }
  }
  if (port !== kept!.port) writeKept(dataDir, { password, port });
  const started = server;
  return { url: urlOf(password, port), port, dir, state: set ? 'started' : 'initialised', stop: () => started.stop('fast') };
}

function urlOf(password: string, port: number): string {
  return `postgres://postgres:${password}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
}

function readKept(dataDir: string): { password: string; port: number } | undefined {
  let text: string;
  try {
    text = readFileSync(urlFile(dataDir), 'utf8').trim();
  } catch {
    return undefined;
  }
  try {
    const url = new URL(text);
    const port = Number(url.port);
    if (url.protocol === 'postgres:' && url.password && Number.isInteger(port) && port > 0) return { password: decodeURIComponent(url.password), port };
  } catch {
    // reported below
  }
  throw new Error(`${urlFile(dataDir)} is not the embedded PostgreSQL's URL (postgres://postgres:PASSWORD@127.0.0.1:PORT/${EMBEDDED_DATABASE})`);
}

function writeKept(dataDir: string, kept: { password: string; port: number }): void {
  writeFileSync(urlFile(dataDir), `${urlOf(kept.password, kept.port)}\n`, { mode: 0o600 });
}

/**
 * What a postmaster.pid in `dir` means before a start. Returns the lock of a server that a live
 * Hookline process runs (once it is ready); stops one whose Hookline was killed; removes the file
 * when its process is gone (or the pid has been reused by some other process).
 */
async function settleLockFile(dir: string, log: PostgresLog): Promise<LockFile | undefined> {
  const lock = readLockFile(dir);
  if (!lock) return undefined;
  const server = processInfo(lock.pid);
  if (!server || !isPostmasterOf(server.command, dir)) {
    rmSync(path.join(dir, 'postmaster.pid'), { force: true });
    log('info', `removed a stale postmaster.pid from ${dir} (pid ${lock.pid} is not its server any more: it was killed, or the machine restarted)`);
    return undefined;
  }
  const parent = server.ppid > 1 ? processInfo(server.ppid) : undefined;
  if (parent && /(^|\/)node\S*(\s|$)/.test(parent.command.split(' ')[0] ?? '')) {
    const deadline = Date.now() + 30_000;
    for (let current = lock; ; current = readLockFile(dir) ?? current) {
      if (current.status === 'ready') return current;
      if (!processInfo(current.pid)) return settleLockFile(dir, log);
      if (Date.now() > deadline) throw new Error(`the embedded PostgreSQL in ${dir} (pid ${lock.pid}, run by pid ${server.ppid}) did not become ready; stop that process, or set DATABASE_URL`);
      await sleep(100);
    }
  }
  log('warn', `the embedded PostgreSQL in ${dir} (pid ${lock.pid}) was left running by a Hookline process that was killed; stopping it`);
  await stopProcess(lock.pid);
  return undefined;
}

/** SIGINT (a fast shutdown), then SIGQUIT after 30 s and SIGKILL after 40 s; resolves when it is gone. */
async function stopProcess(pid: number): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // gone already
    }
  };
  signal('SIGINT');
  const started = Date.now();
  let sent: 'SIGINT' | 'SIGQUIT' | 'SIGKILL' = 'SIGINT';
  while (processInfo(pid)) {
    if (sent === 'SIGINT' && Date.now() - started > 30_000) signal((sent = 'SIGQUIT'));
    if (sent === 'SIGQUIT' && Date.now() - started > 40_000) signal((sent = 'SIGKILL'));
    await sleep(50);
  }
}

function isPostmasterOf(command: string, dir: string): boolean {
  return /(^|\/)postgres(\s|$)/.test(command) && command.includes(` -D ${dir} `);
}

/** A live process's parent and command line (a zombie counts as gone). */
function processInfo(pid: number): { ppid: number; command: string } | undefined {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || state === 'X') return undefined;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      return { ppid: Number(ppid), command };
    } catch {
      return undefined;
    }
  }
  try {
    const line = execFileSync('ps', ['-o', 'ppid=,stat=,command=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const match = /^(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!match || match[2]!.startsWith('Z')) return undefined;
    return { ppid: Number(match[1]), command: `${match[3]} ` };
  } catch {
    return undefined;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

