import { readFileSync, rmSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioFigures } from './support/books.js';
import { TestPostgres } from '../support/test-postgres.js';
import { everyChild, killAll, liveChildren, LOG_DIR, stillRunning } from './support/processes.js';
import type { Plan } from './support/receiver.js';
import { FaultReceiver } from './support/receiver.js';
import { freePort } from '../support/free-port.js';
import { formatTable, RESULTS_FILE, writeResults } from './support/report.js';
import { type FaultContext, runScenario, type ScenarioSpec, sleep } from './support/scenario.js';
import { DELIVERY_TIMEOUT_MS, WORKER_GRACE_MS } from './support/stack.js';
import { DevServer } from './support/temporal.js';
import { hashUnit, type HookSpec, standardHooks } from './support/traffic.js';

/**
 * docs/delivery.md#durability, "Nothing that was accepted is lost": real API and worker processes, a Temporal dev
 * server, a private Postgres cluster and a recording receiver; one fault per scenario, then the books.
 * Figures go to test-artifacts/faults/results.json (RELIABILITY.md quotes a real run).
 */
const EVENTS = Number(process.env.FAULTS_EVENTS ?? 1000);
const RATE = 60;
const CONCURRENCY = 16;

let cluster: TestPostgres;
let receiver: FaultReceiver;
let memoryTemporal: DevServer;
let apiPort: number;
const results: ScenarioFigures[] = [];
const suiteStartedAt = Date.now();

beforeAll(async () => {
  rmSync(LOG_DIR, { recursive: true, force: true });
  // durable (fsync on): scenario 4 crashes it, and nothing it acknowledged may be lost
  cluster = await TestPostgres.create({ port: await freePort(), durable: true });
  receiver = await FaultReceiver.start();
  memoryTemporal = new DevServer('temporal-memory', await freePort());
  await memoryTemporal.start();
  apiPort = await freePort();
});

afterAll(async () => {
  await memoryTemporal?.stop().catch(() => {});
  await receiver?.stop().catch(() => {});
  await cluster?.destroy().catch(() => {});
  await killAll();
  writeResults(results, suiteStartedAt);
  process.stdout.write(`\nFault suite figures (${RESULTS_FILE}), ${((Date.now() - suiteStartedAt) / 1000).toFixed(0)} s in all:\n${formatTable(results)}\n`);
});

/** Mostly a healthy receiver: 5% of first attempts get a 503, so retries and their timers cross the faults too. */
const mostlyOk: HookSpec['plan'] = ({ deliveryId, attempt }) =>
  attempt === 1 && hashUnit(`${deliveryId}:1`) < 0.05 ? { kind: 'status', status: 503 } : { kind: 'status', status: 200 };

async function scenario(spec: Omit<ScenarioSpec, 'events' | 'ratePerSec' | 'concurrency' | 'temporal' | 'hooks'> & Partial<ScenarioSpec>) {
  const figures = await runScenario(
    { events: EVENTS, ratePerSec: RATE, concurrency: CONCURRENCY, temporal: memoryTemporal, hooks: standardHooks(mostlyOk), ...spec },
    { cluster, receiver, apiPort },
  );
  results.push(figures);
  writeResults(results, suiteStartedAt);
  process.stdout.write(`\n${spec.id}: ${JSON.stringify({ ...figures, violations: figures.violations.slice(0, 30) }, null, 1)}\n`);
  expect(figures.eventsAccepted).toBe(figures.eventsSent);
  expect(figures.lost).toBe(0);
  expect(figures.invalidSignatures).toBe(0);
  expect(figures.violations).toEqual([]);
  expect(figures.quiescent).toBe(true);
  return figures;
}

/** kill -9 a worker at three points of the run; `restart` says which worker comes back and when. */
function killWorkers(order: string[], options: { takeover: boolean }) {
  return async (ctx: FaultContext) => {
    const points = [0.15, 0.4, 0.65];
    for (const [i, name] of order.entries()) {
      await ctx.untilOk(Math.floor(points[i]! * ctx.events));
      const injectedAt = Date.now();
      await ctx.stack.workers.get(name)!.kill9();
      if (options.takeover) {
        // the other worker carries on at once; the killed one comes back in the background
        ctx.faults.push({ kind: 'worker-kill9', detail: `${name} killed, the other worker takes over`, injectedAt, clearedAt: injectedAt });
        await sleep(1000);
        await ctx.stack.startWorker(name);
      } else {
        await sleep(1000); // a supervisor's restart delay
        await ctx.stack.startWorker(name);
        ctx.faults.push({ kind: 'worker-kill9', detail: `${name} killed and restarted (only worker)`, injectedAt, clearedAt: Date.now() });
      }
    }
  };
}

describe('nothing accepted is lost (docs/delivery.md#durability)', () => {
  it('1a. kill -9 of the only worker, three times', async () => {
    await scenario({ id: 's1a', title: 'worker kill -9 ×3 (one worker)', seed: 11, workers: ['w1'], fault: killWorkers(['w1', 'w1', 'w1'], { takeover: false }) });
  });

  it('1b. kill -9 of a worker, three times, while a second one takes over', async () => {
    await scenario({
      id: 's1b',
      title: 'worker kill -9 ×3 (second worker takes over)',
      seed: 12,
      workers: ['w1', 'w2'],
      fault: killWorkers(['w1', 'w2', 'w1'], { takeover: true }),
    });
  });

  it('2. kill -9 of the API during ingestion; the client retries its events by id', async () => {
    await scenario({
      id: 's2',
      title: 'API kill -9 ×2 during ingestion',
      seed: 2,
      workers: ['w1'],
      fault: async (ctx) => {
        for (const point of [0.25, 0.6]) {
          await ctx.untilAccepted(Math.floor(point * ctx.events));
          const injectedAt = Date.now();
          await ctx.stack.api!.kill9();
          await sleep(2000);
          await ctx.stack.startApi();
          ctx.faults.push({ kind: 'api-kill9', detail: 'API killed mid-ingestion, restarted after 2 s', injectedAt, clearedAt: Date.now() });
        }
      },
      check: async ({ stack, notes }) => {
        // workflows the API could not start before it died: started by the client's retry or the workers' sweeper
        const late = await sql<{ n: string }>`select count(*) as n from deliveries where dispatched_at > created_at + interval '10 seconds'`.execute(stack.db);
        notes.deliveriesStartedLate = Number(late.rows[0]!.n);
        return [];
      },
    });
  });

  it('3. the Temporal dev server stopped and restarted on the same database file', async () => {
    const fileTemporal = new DevServer('temporal-file', await freePort(), `${cluster.dir}/temporal.sqlite`);
    await fileTemporal.start();
    try {
      await scenario({
        id: 's3',
        title: 'Temporal stopped 10 s and restarted (same db file)',
        seed: 3,
        workers: ['w1'],
        temporal: fileTemporal,
        fault: async (ctx) => {
          // while events still come in (the API cannot start workflows) and deliveries are in flight
          await ctx.untilAccepted(Math.floor(0.4 * ctx.events));
          const injectedAt = Date.now();
          await fileTemporal.stop();
          await sleep(10_000);
          await fileTemporal.start();
          ctx.faults.push({ kind: 'temporal-restart', detail: 'dev server SIGTERM, down 10 s, restarted on its file', injectedAt, clearedAt: Date.now() });
        },
      });
    } finally {
      await fileTemporal.stop();
    }
  });

  it('4. Postgres unreachable for 20 s mid-run', async () => {
    await scenario({
      id: 's4',
      title: 'Postgres down 20 s (immediate stop, then start)',
      seed: 4,
      workers: ['w1'],
      fault: async (ctx) => {
        // while events still come in (the API cannot record them) and deliveries are in flight
        await ctx.untilAccepted(Math.floor(0.4 * ctx.events));
        const injectedAt = Date.now();
        await ctx.cluster.stop('immediate');
        await sleep(20_000);
        await ctx.cluster.start();
        ctx.faults.push({ kind: 'postgres-down', detail: 'private cluster stopped (-m immediate) for 20 s', injectedAt, clearedAt: Date.now() });
      },
    });
  });

  it('5. a chaotic receiver: 5xx, hangs, resets, slow bodies, 429 with Retry-After', async () => {
    const RETRY_AFTER_S = 3;
    const chaos: HookSpec['plan'] = ({ deliveryId, attempt }): Plan => {
      // the receiver recovers from attempt 5 on, so every delivery ends succeeded within the schedule
      if (attempt >= 5) return { kind: 'status', status: 200 };
      const u = hashUnit(`${deliveryId}:${attempt}`);
      if (u < 0.3) return { kind: 'status', status: [500, 502, 503][Math.floor(u * 10) % 3]! };
      if (u < 0.4) return { kind: 'hang', holdMs: DELIVERY_TIMEOUT_MS + 2000 };
      if (u < 0.5) return { kind: 'reset' };
      if (u < 0.55) return { kind: 'status', status: 429, headers: { 'retry-after': String(RETRY_AFTER_S) } };
      if (u < 0.7) return { kind: 'status', status: 200, slowBody: { chunks: 4, intervalMs: 150 } };
      return { kind: 'status', status: 200 };
    };
    const dead: HookSpec['plan'] = () => ({ kind: 'status', status: 500 });
    await scenario({
      id: 's5',
      title: 'chaotic receiver',
      seed: 5,
      workers: ['w1'],
      hooks: [
        ...standardHooks(chaos),
        { key: 'c1-dead', community: 1, events: ['channel.message.posted'], channelIds: ['ch_dead'], plan: dead },
      ],
      deadHooks: new Set(['c1-dead']),
      fault: async () => {},
      check: ({ arrivals, notes }) => {
        const violations: string[] = [];
        const byDelivery = new Map<string, typeof arrivals>();
        for (const a of arrivals) byDelivery.set(a.deliveryId, [...(byDelivery.get(a.deliveryId) ?? []), a]);
        let honoured = 0;
        let minGap = Infinity;
        for (const list of byDelivery.values()) {
          for (const a of list) {
            if (a.answer.kind !== 'status' || a.answer.status !== 429) continue;
            const next = list.find((b) => b.attempt === a.attempt + 1);
            if (!next) {
              violations.push(`delivery ${a.deliveryId}: no attempt after its 429`);
              continue;
            }
            const gap = next.at - a.at;
            minGap = Math.min(minGap, gap);
            if (gap < RETRY_AFTER_S * 1000) violations.push(`delivery ${a.deliveryId}: retried ${gap} ms after a 429 with Retry-After: ${RETRY_AFTER_S}`);
            else honoured += 1;
          }
        }
        const kinds: Record<string, number> = {};
        for (const a of arrivals) {
          const k = a.answer.kind === 'status' ? `http_${a.answer.status}` : a.answer.kind;
          kinds[k] = (kinds[k] ?? 0) + 1;
        }
        notes.answers = kinds;
        notes.retryAfterHonoured = honoured;
        notes.minGapAfter429Ms = Number.isFinite(minGap) ? minGap : null;
        if (honoured === 0) violations.push('no 429 was answered, so Retry-After was not exercised');
        return violations;
      },
    });
  });

  it('6. SIGTERM to a worker with requests in flight: it finishes them and exits within its grace time', async () => {
    // a slow receiver (0.2–1 s per answer, well inside the 2 s timeout) keeps requests in flight at any moment
    const slow: HookSpec['plan'] = ({ deliveryId, attempt }) => ({
      kind: 'status',
      status: 200,
      delayMs: 200 + Math.floor(hashUnit(`${deliveryId}:${attempt}:delay`) * 800),
    });
    await scenario({
      id: 's6',
      title: 'SIGTERM to a worker with requests in flight',
      seed: 6,
      workers: ['w1', 'w2'],
      hooks: standardHooks(slow),
      fault: async (ctx) => {
        await ctx.untilOk(Math.floor(0.3 * ctx.events));
        const worker = ctx.stack.workers.get('w1')!;
        const injectedAt = Date.now();
        const inFlight = ctx.receiver.arrivalsOf(ctx.stack.scenario).filter((a) => a.doneAt === undefined).length;
        const exit = await worker.terminate(WORKER_GRACE_MS + 30_000);
        ctx.faults.push({ kind: 'worker-sigterm', detail: 'w1 SIGTERM; w2 carries on', injectedAt, clearedAt: injectedAt });
        const finished = readFileSync(`test-artifacts/faults/logs/${worker.name}.log`, 'utf8')
          .split('\n')
          .filter((line) => line.includes('"msg":"attempt recorded"'))
          .filter((line) => (JSON.parse(line) as { time: number }).time >= injectedAt).length;
        ctx.note('sigterm', {
          requestsInFlightAtReceiver: inFlight,
          attemptsW1FinishedAfterSigterm: finished,
          exitCode: exit.code,
          exitSignal: exit.signal,
          forcedKill: exit.forced,
          exitMs: exit.at - injectedAt,
        });
      },
      check: ({ notes }) => {
        const s = notes.sigterm as { exitCode: number | null; forcedKill: boolean; exitMs: number; attemptsW1FinishedAfterSigterm: number };
        const violations: string[] = [];
        if (s.forcedKill || s.exitMs > WORKER_GRACE_MS) violations.push(`w1 took ${s.exitMs} ms to exit after SIGTERM (grace ${WORKER_GRACE_MS} ms)`);
        if (s.exitCode !== 0) violations.push(`w1 exited with code ${s.exitCode} after SIGTERM`);
        if (s.attemptsW1FinishedAfterSigterm === 0) violations.push('w1 had no attempt in flight when it got SIGTERM: the scenario proved nothing');
        return violations;
      },
    });
    // an attempt abandoned at shutdown would have been sent again (same attempt number) by w2
    expect(results.find((r) => r.scenario === 's6')!.rerunAttempts).toBe(0);
  });

  it('leaves no process running', async () => {
    await memoryTemporal.stop();
    expect(liveChildren().map((c) => c.name)).toEqual([]);
    expect(everyChild().length).toBeGreaterThan(10);
    expect(everyChild().filter((c) => stillRunning(c)).map((c) => `${c.name} (pid ${c.pid})`)).toEqual([]);
  });
});
