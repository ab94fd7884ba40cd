import { devServerSearchAttributeFlags } from '../../../src/temporal/search-attributes.js';
import { waitForServer } from '../../../src/temporal/dev-server.js';
import { Child } from './processes.js';

/**
 * A `temporal server start-dev` of our own: in memory (fast) for the scenarios that never restart
 * it, or on a SQLite file (same pragmas as `npm start`) for the one that stops and restarts it.
 */
export class DevServer {
  child: Child | undefined;
  private generation = 0;
  private readonly children: Child[] = [];

  /** CPU time of every run of this server so far. */
  cpuMs(): number {
    return this.children.reduce((sum, c) => sum + c.cpuMs(), 0);
  }

  constructor(
    readonly name: string,
    readonly port: number,
    readonly dbFile?: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = [
      'server', 'start-dev', '--headless',
      '--ip', '127.0.0.1', '--port', String(this.port),
      '--log-level', 'warn',
      ...(this.dbFile
        ? ['--db-filename', this.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal']
        : []),
      ...devServerSearchAttributeFlags(),
    ];
    this.generation += 1;
    this.child = new Child(`${this.name}-${this.generation}`, process.env.TEMPORAL_CLI_PATH ?? 'temporal', args, process.env);
    this.children.push(this.child);
    await Promise.race([
      waitForServer(this.address, 60_000),
      this.child.exited.then((exit) => {
        throw new Error(`${this.name} exited with code ${exit.code} while starting`);
      }),
    ]);
  }

  /** Stops the server (SIGTERM, as an operator's restart does; SIGKILL after 15 s). */
  async stop(): Promise<void> {
    await this.child?.terminate(15_000);
  }
}
