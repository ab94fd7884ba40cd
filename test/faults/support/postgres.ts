import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/**
 * A private Postgres cluster for the fault suite, so scenario 4 can make *its* Postgres unreachable
 * without touching the machine's cluster on 5432. initdb/pg_ctl of the installed PostgreSQL (Debian
 * layout, /usr/lib/postgresql/<v>/bin, or PG_BIN), run as the `postgres` user when we are root.
 */
export class PrivateCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  static async create(port: number): Promise<PrivateCluster> {
    const bin = process.env.PG_BIN ?? findPgBin();
    const dir = mkdtempSync('/tmp/hookline-faults-pg-');
    const cluster = new PrivateCluster(dir, port, bin);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
    }
    cluster.run('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await cluster.start();
    return cluster;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    this.run('pg_ctl', [
      '-D', this.dataDir,
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
      '-l', path.join(this.dir, 'log'),
      '-w', '-t', '60', 'start',
    ]);
    await this.waitReady();
  }

  /** Stops the cluster: `immediate` is a crash (no checkpoint, recovery on start). */
  stop(mode: 'immediate' | 'fast' = 'fast'): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  isRunning(): boolean {
    try {
      this.run('pg_ctl', ['-D', this.dataDir, 'status']);
      return true;
    } catch {
      return false;
    }
  }

  /** Stops the cluster if it runs and removes its directory. */
  destroy(): void {
    if (existsSync(path.join(this.dataDir, 'postmaster.pid'))) {
      try {
        this.stop('immediate');
      } catch {
        /* already gone */
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new pg.Client({ connectionString: this.url('postgres') });
      try {
        await client.connect();
        await client.query('select 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        await client.end().catch(() => {});
      }
    }
  }

  private run(tool: string, args: string[]): string {
    const binary = path.join(this.bin, tool);
    const [command, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
    return execFileSync(command as string, argv as string[], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

function findPgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql; set PG_BIN');
  return path.join(root, versions[0]!, 'bin');
}
