import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/**
 * Every child process the fault suite starts goes through here, so that afterAll (and an exit of
 * the test process itself) can kill what is left, and the suite can prove that nothing is.
 */
export const ARTIFACTS_DIR = path.resolve('test-artifacts/faults');
export const LOG_DIR = path.join(ARTIFACTS_DIR, 'logs');

const live = new Set<Child>();
const all: Child[] = [];
let exitHookInstalled = false;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export class Child {
  readonly process: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  readonly startedAt = Date.now();
  exit: ExitInfo | undefined;
  /** Set when the suite itself stopped or killed it; an exit without it is a crash. */
  stopRequested = false;
  private readonly log: WriteStream;
  private lineWaiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  private partial = '';

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
  ) {
    mkdirSync(LOG_DIR, { recursive: true });
    this.log = createWriteStream(path.join(LOG_DIR, `${name}.log`), { flags: 'w' });
    this.process = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
    const onData = (chunk: Buffer) => {
      this.log.write(chunk);
      if (this.lineWaiters.length === 0) return;
      this.partial += chunk.toString('utf8');
      const lines = this.partial.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        this.lineWaiters = this.lineWaiters.filter((w) => (w.pattern.test(line) ? (w.resolve(line), false) : true));
      }
    };
    this.process.stdout!.on('data', onData);
    this.process.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        live.delete(this);
        this.log.end();
        resolve(this.exit);
      });
    });
    live.add(this);
    all.push(this);
    this.startTicks = processStartTicks(this.process.pid!);
    installExitHook();
  }

  /** When the kernel started it (/proc), to tell it from a later process given the same pid. */
  readonly startTicks: string | undefined;

  get pid(): number {
    return this.process.pid!;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** CPU time used so far (user + system, from /proc; the last reading once it has exited). */
  cpuMs(): number {
    if (this.running) {
      try {
        const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux)
        this.lastCpuMs = (Number(fields[11]) + Number(fields[12])) * 10;
      } catch {
        /* gone, or not Linux */
      }
    }
    return this.lastCpuMs;
  }

  private lastCpuMs = 0;

  /** Resolves with the first output line matching `pattern`; rejects if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
      this.lineWaiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${exit.code}, signal ${exit.signal}) before printing ${pattern}`));
      });
    });
  }

  /** kill -9: no handler runs, nothing is flushed. */
  async kill9(): Promise<ExitInfo> {
    this.stopRequested = true;
    this.cpuMs();
    if (this.running) this.process.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; reports whether it needed the SIGKILL. */
  async terminate(graceMs: number): Promise<ExitInfo & { forced: boolean }> {
    this.stopRequested = true;
    this.cpuMs();
    if (!this.running) return { ...this.exit!, forced: false };
    this.process.kill('SIGTERM');
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      this.process.kill('SIGKILL');
    }, graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, forced };
  }
}

/** Every child started since the suite began, running or not. */
export function everyChild(): Child[] {
  return [...all];
}

export function liveChildren(): Child[] {
  return [...live];
}

/** Kills every child still running (SIGKILL) and waits for them. */
export async function killAll(): Promise<string[]> {
  const left = [...live];
  await Promise.all(left.map((c) => c.kill9()));
  return left.map((c) => `${c.name} (pid ${c.pid})`);
}

/** Whether a pid still exists (signal 0 probes without signalling). */
/**
 * Whether this child's process still runs. A pid alone cannot say: over a run that starts hundreds
 * of processes the kernel hands an exited child's pid to another (a kernel worker thread, seen
 * here), so the process at that pid must also have started when the child did.
 */
export function stillRunning(child: Child): boolean {
  const now = processStartTicks(child.pid);
  return now !== undefined && now === child.startTicks;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined when there is no such process. */
function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: count from after it
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) {
      try {
        child.process.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
}
