/**
 * Small helpers of the benchmark: statistics, child processes, /proc sampling, a progress line.
 * Nothing here is used by the service.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

// ---------------------------------------------------------------- statistics

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(values: number[], digits = 1): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number) => Number(v.toFixed(digits));
  return {
    median: round(percentile(sorted, 50)),
    min: round(sorted[0] ?? NaN),
    max: round(sorted[sorted.length - 1] ?? NaN),
    runs: values.map(round),
  };
}

/** Percentile of an ascending array, nearest-rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  if (p === 50 && sorted.length % 2 === 0) {
    return (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  }
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------- processes

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

const children = new Set<Child>();

/**
 * Starts a child whose output goes to a log file. TypeScript entry points run as
 * `node --import tsx file.ts`, so the pid is the real process (not a tsx launcher) and its CPU and
 * memory can be read from /proc.
 */
export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env?: Record<string, string>; logDir: string; ipc?: boolean; cwd?: string },
): Child {
  const logFile = path.join(options.logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const env = { ...process.env, ...options.env };
  const child =
    options.ipc && command === 'node'
      ? fork(args[args.length - 1]!, [], {
          cwd: options.cwd ?? ROOT,
          env,
          execArgv: args.slice(0, -1),
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        })
      : spawn(command, args, { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: Child = {
    name,
    process: child,
    pid: child.pid!,
    logFile,
    async stop() {
      children.delete(handle);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  children.add(handle);
  return handle;
}

export function tsChild(name: string, file: string, options: { env?: Record<string, string>; logDir: string; ipc?: boolean; cwd?: string }): Child {
  return startChild(name, 'node', ['--import', 'tsx', file], options);
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...children].reverse().map((c) => c.stop()));
}

/** A last-resort kill of our own children (by pid) when the run is interrupted. */
export function killAllChildrenNow(): void {
  for (const c of children) {
    try {
      c.process.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

// ---------------------------------------------------------------- /proc

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** Resident memory of a process, MB. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** All descendants of a pid (for the Temporal CLI, which may fork). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const byParent = new Map<number, number[]>();
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = byParent.get(ppid) ?? [];
      list.push(Number(entry));
      byParent.set(ppid, list);
    } catch {
      /* gone */
    }
  }
  const walk = (p: number) => {
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Busy and total jiffies of the whole machine (from /proc/stat). */
export function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export function loadAverage(): [number, number, number] {
  return os.loadavg().map((v) => Number(v.toFixed(2))) as [number, number, number];
}

/** Processes using the most CPU right now, as `ps` prints them (for the record of a noisy run). */
export function topProcesses(count = 6): string[] {
  try {
    return execFileSync('ps', ['-eo', 'pcpu,rss,comm', '--sort=-pcpu'], { encoding: 'utf8' })
      .split('\n')
      .slice(0, count + 1)
      .map((l: string) => l.trim())
      .filter(Boolean);
  } catch {
    return [];
  }
}
// ---------------------------------------------------------------- progress

const started = Date.now();
let lastPlain = 0;
let lastText = '';

/** One progress line, rewritten in place on a terminal, printed every few seconds otherwise. */
export function progress(text: string): void {
  const elapsed = Math.round((Date.now() - started) / 1000);
  const line = `[${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}] ${text}`;
  if (process.stderr.isTTY) {
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
  } else if (Date.now() - lastPlain > 5000 || text.split(':')[0] !== lastText.split(':')[0]) {
    process.stderr.write(`${line}\n`);
    lastPlain = Date.now();
  }
  lastText = text;
}

export function progressDone(text: string): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const elapsed = Math.round((Date.now() - started) / 1000);
  process.stderr.write(`[${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}] ${text}\n`);
  lastText = '';
}
