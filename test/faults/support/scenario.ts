import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkBooks, type Fault, type ScenarioFigures, waitForQuiescence } from './books.js';
import type { TestPostgres } from '../../support/test-postgres.js';
import { LOG_DIR } from './processes.js';
import type { Arrival, FaultReceiver } from './receiver.js';
import { Stack } from './stack.js';
import type { DevServer } from './temporal.js';
import { type CreatedHook, type HookSpec, ingest, type IngestReport, planEvents, setUpTenants } from './traffic.js';

export interface FaultContext {
  stack: Stack;
  receiver: FaultReceiver;
  cluster: TestPostgres;
  report: IngestReport;
  faults: Fault[];
  /** Events planned for the scenario (deliveries are about as many). */
  events: number;
  /** Successful (2xx, signed) arrivals so far in this scenario. */
  okArrivals(): number;
  untilOk(count: number): Promise<void>;
  untilAccepted(count: number): Promise<void>;
  note(key: string, value: unknown): void;
}

export interface ScenarioSpec {
  id: string;
  title: string;
  events: number;
  seed: number;
  temporal: DevServer;
  workers: string[];
  hooks: HookSpec[];
  deadHooks?: ReadonlySet<string>;
  ratePerSec: number;
  concurrency: number;
  fault: (ctx: FaultContext) => Promise<void>;
  /** Scenario-specific checks after quiescence: violations to add. */
  check?: (input: { arrivals: Arrival[]; hooks: CreatedHook[]; stack: Stack; notes: Record<string, unknown> }) => Promise<string[]> | string[];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * One scenario end to end: a fresh stack, tenants and webhooks, traffic and the fault side by side,
 * then quiescence, the books, and an orderly stop of every process (which must exit on SIGTERM).
 */
export async function runScenario(
  spec: ScenarioSpec,
  shared: { cluster: TestPostgres; receiver: FaultReceiver; apiPort: number },
): Promise<ScenarioFigures> {
  const { receiver, cluster } = shared;
  const stack = await Stack.create({ scenario: spec.id, cluster, temporal: spec.temporal, apiPort: shared.apiPort });
  try {
    await Promise.all([stack.startApi(), ...spec.workers.map((name) => stack.startWorker(name))]);
    const { communities, hooks } = await setUpTenants(stack, receiver, spec.hooks);
    const planned = planEvents(spec.id, spec.events, spec.seed);
    const report: IngestReport = { accepted: new Map(), retriedBecause: {}, rejected: [], startedAt: Date.now(), finishedAt: 0 };
    const faults: Fault[] = [];
    const notes: Record<string, unknown> = {};
    const okArrivals = () =>
      receiver.arrivalsOf(spec.id).filter((a) => a.signatureValid && a.answer.kind === 'status' && a.answer.status < 300).length;
    const ctx: FaultContext = {
      stack,
      receiver,
      cluster,
      report,
      faults,
      events: spec.events,
      okArrivals,
      untilOk: (count) => until(() => okArrivals() >= count, `${count} deliveries`),
      untilAccepted: (count) => until(() => report.accepted.size >= count, `${count} accepted events`),
      note: (key, value) => void (notes[key] = value),
    };
    const scenarioStartedAt = Date.now();
    const temporalCpuBefore = spec.temporal.cpuMs();
    await Promise.all([
      ingest({
        baseUrl: stack.apiUrl,
        communities,
        events: planned,
        concurrency: spec.concurrency,
        ratePerSec: spec.ratePerSec,
        deadlineMs: 240_000,
        report,
      }),
      spec.fault(ctx),
    ]);
    const quiescence = await waitForQuiescence(stack, receiver, 240_000);
    const temporalCpuMs = spec.temporal.cpuMs() - temporalCpuBefore;
    const figures = await checkBooks({
      stack,
      title: spec.title,
      receiver,
      planned,
      hooks,
      ingest: report,
      faults,
      ...(spec.deadHooks ? { deadHooks: spec.deadHooks } : {}),
      quiescence,
      scenarioStartedAt,
      notes,
    });
    figures.notes.startedBySweeper = stack.started
      .filter((c) => c.name.startsWith(`${spec.id}-w`))
      .flatMap((c) => readFileSync(path.join(LOG_DIR, `${c.name}.log`), 'utf8').split('\n'))
      .filter((line) => line.includes('"msg":"dispatch sweeper started workflows left behind"'))
      .reduce((sum, line) => sum + Number((JSON.parse(line) as { count: number }).count), 0);
    if (spec.check) figures.violations.push(...(await spec.check({ arrivals: receiver.arrivalsOf(spec.id), hooks, stack, notes })));
    for (const child of stack.crashed()) {
      figures.violations.push(`${child.name} exited on its own (code ${child.exit?.code}, signal ${child.exit?.signal}); see test-artifacts/faults/logs/${child.name}.log`);
    }
    figures.violations.push(...(await stack.stopProcesses()));
    for (const child of stack.started) if (child.running) figures.violations.push(`${child.name} still running`);
    const cpu = (role: string) => stack.started.filter((c) => c.name.startsWith(`${spec.id}-${role}`)).reduce((sum, c) => sum + c.cpuMs(), 0);
    figures.notes.cpuSeconds = {
      api: Math.round(cpu('api') / 1000),
      workers: Math.round(cpu('w') / 1000),
      temporal: Math.round(temporalCpuMs / 1000),
    };
    return figures;
  } finally {
    await stack.stopProcesses().catch(() => []);
    await stack.close();
  }
}
