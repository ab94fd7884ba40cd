import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  initialiseCluster,
  type PostgresBinaries,
  postgresBinaries,
  type PostgresLog,
  PostgresStartError,
  readLockFile,
  type RunningPostgres,
  type ServerAccount,
  serverAccount,
  startServer,
} from '../../src/db/postgres-server.js';
import { freePort } from './free-port.js';

/**
 * A private PostgreSQL for a test run (the suite's template server) or for the fault suite (whose
 * scenarios stop it): the binaries from npm that npm start's embedded server runs, a throwaway
 * data directory under the OS's temporary directory, a loopback port, a random password. Nothing
 * of the machine's own PostgreSQL is used or needed.
 */
export class TestPostgres {
  private server: RunningPostgres | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly password: string,
    private readonly binaries: PostgresBinaries,
    private readonly account: ServerAccount | undefined,
    private readonly settings: Record<string, string | number>,
  ) {}

  /** `durable: false` (the default) turns fsync off: quicker, and safe while nothing crashes the machine. */
  static async create(options: { port?: number; durable?: boolean } = {}): Promise<TestPostgres> {
    sweepAbandoned();
    const dir = mkdtempSync(path.join(tmpdir(), PREFIX));
    chmodSync(dir, 0o711); // as root, the server's own account must reach the data directory inside
    const binaries = await postgresBinaries();
    const dataDir = path.join(dir, 'data');
    const account = serverAccount(dataDir);
    const password = randomBytes(18).toString('base64url');
    await initialiseCluster(dataDir, { binaries, password, sync: false, account, log });
    const settings = { max_connections: 200, ...(options.durable ? {} : { fsync: 'off' }) };
    const postgres = new TestPostgres(dir, options.port ?? (await freePort()), password, binaries, account, settings);
    await postgres.start();
    return postgres;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  url(database: string): string {
    return `postgres://postgres:${this.password}@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts it on its port; after an immediate stop, once the old server's processes are gone. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.server = await startServer(this.dataDir, { binaries: this.binaries, port: this.port, account: this.account, log, settings: this.settings });
        return;
      } catch (error) {
        if (!(error instanceof PostgresStartError) || error.reason !== 'shared-memory-in-use' || attempt >= 40) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** `immediate` is a crash (no checkpoint, recovery at the next start). */
  async stop(mode: 'immediate' | 'fast' = 'fast'): Promise<void> {
    await this.server?.stop(mode);
  }

  isRunning(): boolean {
    return this.server?.running() ?? false;
  }

  /** Stops the server if it runs and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop('immediate');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function startTestPostgres(options: { port?: number; durable?: boolean } = {}): Promise<TestPostgres> {
  return TestPostgres.create(options);
}

const PREFIX = 'hookline-test-pg-';

/**
 * Directories of runs that ended without their teardown (a killed vitest): older than an hour and
 * with no server running in them. A run of the same machine's other checkouts keeps its own.
 */
function sweepAbandoned(): void {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const dir = path.join(tmpdir(), name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < 3_600_000) continue;
      const lock = readLockFile(path.join(dir, 'data'));
      if (lock && isAlive(lock.pid)) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // another run swept it first
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const log: PostgresLog = (level, message) => {
  if (level !== 'info') process.stderr.write(`test postgres: ${message}\n`);
};
