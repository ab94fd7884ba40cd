/**
 * Load generators. A closed loop keeps `concurrency` deliveries in flight (a new one starts when one
 * arrives at the receiver): its arrival rate is the maximum. An open loop issues at a fixed rate,
 * whatever happens, for latency at a given load. Both measure in windows after a warm-up; each
 * window is one run of the scenario.
 */
import { percentile, progress, sleep } from './lib.js';
import type { Receiver } from './stack.js';

export interface Issued {
  id: string;
  /** When the 202 (or the workflow start) came back. */
  acceptedAt: number;
  /** Every delivery of the event, when it has more than one (fanout). */
  all?: string[];
}

export type Issue = (n: number) => Promise<Issued>;

export interface LoopOptions {
  label: string;
  warmupMs: number;
  windows: number;
  windowMs: number;
}

export interface WindowResult {
  /** Arrivals per second during the window. */
  rate: number;
  /** Latency from acceptance to arrival of what was accepted during the window, ms. */
  p50: number;
  p95: number;
  p99: number;
  samples: number;
  lost: number;
}

export interface LoopResult {
  windows: WindowResult[];
  errors: number;
  firstError?: string;
  ids: string[];
}

const ARRIVAL_TIMEOUT_MS = 120_000;

function summarize(rx: Receiver, accepted: Issued[], windows: Array<[number, number]>): WindowResult[] {
  return windows.map(([start, end]) => {
    let arrived = 0;
    let lost = 0;
    const latencies: number[] = [];
    for (const item of accepted) {
      const at = rx.arrivals.get(item.id);
      if (at !== undefined && at >= start && at < end) arrived += 1;
      if (item.acceptedAt >= start && item.acceptedAt < end) {
        if (at === undefined) lost += 1;
        else latencies.push(at - item.acceptedAt);
      }
    }
    latencies.sort((a, b) => a - b);
    return {
      rate: arrived / ((end - start) / 1000),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      samples: latencies.length,
      lost,
    };
  });
}

function plan(options: LoopOptions, t0: number): Array<[number, number]> {
  return Array.from({ length: options.windows }, (_, i) => {
    const start = t0 + options.warmupMs + i * options.windowMs;
    return [start, start + options.windowMs] as [number, number];
  });
}

async function watch(rx: Receiver, options: LoopOptions, t0: number, accepted: Issued[], until: number, extra = ''): Promise<void> {
  const windows = plan(options, t0);
  while (Date.now() < until) {
    const now = Date.now();
    const current = windows.findIndex(([s, e]) => now >= s && now < e);
    const recent = accepted.filter((a) => now - 2000 <= (rx.arrivals.get(a.id) ?? 0)).length / 2;
    progress(
      `${options.label}: ${current < 0 ? 'warm-up' : `run ${current + 1}/${windows.length}`}, ${accepted.length} issued, ~${recent.toFixed(0)}/s arriving${extra}`,
    );
    await sleep(500);
  }
}

export async function closedLoop(rx: Receiver, issue: Issue, options: LoopOptions & { concurrency: number }): Promise<LoopResult> {
  const accepted: Issued[] = [];
  let stop = false;
  let n = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = Date.now();
  const slot = async () => {
    while (!stop) {
      let item: Issued;
      try {
        item = await issue(n++);
      } catch (error) {
        errors += 1;
        firstError ??= (error as Error).message;
        await sleep(200);
        continue;
      }
      accepted.push(item);
      await rx.wait(item.id, ARRIVAL_TIMEOUT_MS);
    }
  };
  const slots = Array.from({ length: options.concurrency }, slot);
  const end = t0 + options.warmupMs + options.windows * options.windowMs;
  await watch(rx, options, t0, accepted, end);
  stop = true;
  progress(`${options.label}: draining ${accepted.filter((a) => !rx.arrivals.has(a.id)).length} in flight`);
  await Promise.all(slots);
  return { windows: summarize(rx, accepted, plan(options, t0)), errors, ...(firstError ? { firstError } : {}), ids: accepted.map((a) => a.id) };
}

export async function openLoop(rx: Receiver, issue: Issue, options: LoopOptions & { rate: number }): Promise<LoopResult> {
  const accepted: Issued[] = [];
  const inFlight: Promise<void>[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const t0 = Date.now();
  const end = t0 + options.warmupMs + options.windows * options.windowMs;
  const interval = 1000 / options.rate;
  const watcher = watch(rx, options, t0, accepted, end, ` (open loop at ${options.rate.toFixed(1)}/s)`);
  for (let i = 0; ; i++) {
    const due = t0 + i * interval;
    if (due >= end) break;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      issue(i).then(
        (item) => void accepted.push(item),
        (error: unknown) => {
          errors += 1;
          firstError ??= (error as Error).message;
        },
      ),
    );
  }
  await watcher;
  await Promise.all(inFlight);
  progress(`${options.label}: draining`);
  await Promise.all(accepted.map((a) => rx.wait(a.id, ARRIVAL_TIMEOUT_MS)));
  return { windows: summarize(rx, accepted, plan(options, t0)), errors, ...(firstError ? { firstError } : {}), ids: accepted.map((a) => a.id) };
}
