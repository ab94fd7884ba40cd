import type { Client } from '@temporalio/client';
import { closedLoop, type LoopResult, openLoop } from '../loops.js';
import { spread } from '../lib.js';
import { type BenchDatabase, type Floor, type Hookline, type Receiver, type TemporalServer } from '../stack.js';
import { type FloorVariant, floorIssue } from './floor.js';
import { loopFigures, settled, countHistory, subscribe, eventIssue, cpuMeter, temporalPids, postgresPids } from './measure.js';
import { type Profile } from './profile.js';

/** sustained: Hookline's deliveries/s at its maximum and p99 at half of it, alone or paired with the floor. */
export interface SustainedSetup {
  key: string;
}

export async function sustainedSetup(hookline: Hookline, rx: Receiver): Promise<SustainedSetup> {
  const { key } = await hookline.newCommunity('bench sustained');
  await subscribe(hookline, key, 1, `${rx.origin}/sustained`, ['user.joined'], 'sustained');
  return { key };
}

/** A short closed loop through the whole stack, so the first measured run is not a cold one. */
export async function warmHookline(hookline: Hookline, rx: Receiver, setup: SustainedSetup, p: Profile): Promise<void> {
  await closedLoop(rx, eventIssue(hookline, setup.key, 'user.joined'), {
    label: 'warm-up',
    concurrency: p.concurrency,
    warmupMs: p.warmupMs,
    windows: 0,
    windowMs: 0,
  });
}

export async function sustainedScenario(
  hookline: Hookline,
  rx: Receiver,
  client: Client | undefined,
  setup: SustainedSetup,
  p: Profile,
  temporal?: TemporalServer,
  db?: BenchDatabase,
) {
  const issue = eventIssue(hookline, setup.key, 'user.joined');
  const meter = await cpuMeter(hooklineGroups(hookline, rx, temporal, db));
  const max = await closedLoop(rx, issue, { label: 'sustained (max)', concurrency: p.concurrency, warmupMs: p.warmupMs, windows: p.runs, windowMs: p.windowMs });
  const cpuMsPerDelivery = await meter.stop(max.ids.length);
  return sustainedHalf(hookline, rx, client, setup, p, max, cpuMsPerDelivery);
}

function hooklineGroups(hookline: Hookline, rx: Receiver, temporal: TemporalServer | undefined, db: BenchDatabase | undefined) {
  return async () => ({
    worker: [hookline.worker.pid],
    api: [hookline.api.pid],
    temporal: temporalPids(temporal),
    postgres: await postgresPids(db),
    harness: [process.pid, rx.child.pid],
  });
}

async function sustainedHalf(
  hookline: Hookline,
  rx: Receiver,
  client: Client | undefined,
  setup: SustainedSetup,
  p: Profile,
  max: LoopResult,
  cpuMsPerDelivery: Record<string, number>,
) {
  const issue = eventIssue(hookline, setup.key, 'user.joined');
  const maxFigures = loopFigures(max);
  const halfRate = maxFigures.perSecond.median / 2;
  const half = await openLoop(rx, issue, { label: 'sustained (half)', rate: halfRate, warmupMs: Math.min(p.warmupMs, 3000), windows: p.runs, windowMs: p.windowMs });
  const doneId = settled(max.ids);
  const historyEvents = doneId ? await countHistory(client, `delivery-${doneId}`) : undefined;
  return {
    concurrency: p.concurrency,
    max: maxFigures,
    half: { ratePerSecond: Number(halfRate.toFixed(1)), ...loopFigures(half) },
    historyEvents,
    cpuMsPerDelivery,
  };
}

function medianOfEach(records: Array<Record<string, number>>): Record<string, number> {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, spread(records.map((r) => r[k] ?? NaN).filter((v) => !Number.isNaN(v)), 2).median]));
}

/**
 * The floor and Hookline's maximum measured in alternating windows (floor, Hookline, floor, ...),
 * so that whatever else the machine does weighs on both alike: the ratio of each pair is the fair
 * figure on a machine that is not quiet.
 */
export async function floorAndSustained(
  floor: Floor,
  hookline: Hookline,
  rx: Receiver,
  client: Client | undefined,
  setup: SustainedSetup,
  runId: string,
  p: Profile,
  temporal: TemporalServer | undefined,
  db: BenchDatabase | undefined,
) {
  const floorRuns: LoopResult[] = [];
  const floorLocalRuns: LoopResult[] = [];
  const hooklineRuns: LoopResult[] = [];
  const floorCpu: Array<Record<string, number>> = [];
  const floorLocalCpu: Array<Record<string, number>> = [];
  const hooklineCpu: Array<Record<string, number>> = [];
  const switchWarmupMs = Math.min(p.warmupMs, 3000);
  const floorGroups = async () => ({ worker: [floor.worker.pid], temporal: temporalPids(temporal), harness: [process.pid, rx.child.pid] });
  for (let run = 0; run < p.runs; run++) {
    const fm = await cpuMeter(floorGroups);
    const f = await closedLoop(rx, floorIssue(floor, rx, runId), {
      label: `floor (run ${run + 1}/${p.runs})`,
      concurrency: p.concurrency,
      warmupMs: run === 0 ? p.warmupMs : switchWarmupMs,
      windows: 1,
      windowMs: p.windowMs,
    });
    floorCpu.push(await fm.stop(f.ids.length));
    floorRuns.push(f);
    // Hookline's attempt is a local activity: the floor made the same way, for the record (the
    // target is set against the floor above)
    const lm = await cpuMeter(floorGroups);
    const l = await closedLoop(rx, floorIssue(floor, rx, runId, 'floorLocalWorkflow'), {
      label: `floor, local activity (run ${run + 1}/${p.runs})`,
      concurrency: p.concurrency,
      warmupMs: switchWarmupMs,
      windows: 1,
      windowMs: p.windowMs,
    });
    floorLocalCpu.push(await lm.stop(l.ids.length));
    floorLocalRuns.push(l);
    const hm = await cpuMeter(hooklineGroups(hookline, rx, temporal, db));
    const h = await closedLoop(rx, eventIssue(hookline, setup.key, 'user.joined'), {
      label: `sustained (max, run ${run + 1}/${p.runs})`,
      concurrency: p.concurrency,
      warmupMs: switchWarmupMs,
      windows: 1,
      windowMs: p.windowMs,
    });
    hooklineCpu.push(await hm.stop(h.ids.length));
    hooklineRuns.push(h);
  }
  const merge = (runs: LoopResult[]): LoopResult => ({
    windows: runs.flatMap((r) => r.windows),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    ...(runs.find((r) => r.firstError) ? { firstError: runs.find((r) => r.firstError)!.firstError! } : {}),
    ids: runs.flatMap((r) => r.ids),
  });
  const hooklineMerged = merge(hooklineRuns);
  const floorFiguresOf = async (workflow: FloorVariant, runs: LoopResult[], cpu: Array<Record<string, number>>) => {
    const merged = merge(runs);
    return {
      workflow,
      concurrency: p.concurrency,
      ...loopFigures(merged),
      historyEvents: await countHistory(floor.client, settled(merged.ids)),
      cpuMsPerWorkflow: medianOfEach(cpu),
    };
  };
  const floorFigures = await floorFiguresOf('floorWorkflow', floorRuns, floorCpu);
  const floorLocalFigures = await floorFiguresOf('floorLocalWorkflow', floorLocalRuns, floorLocalCpu);
  const sustained = await sustainedHalf(hookline, rx, client, setup, p, hooklineMerged, medianOfEach(hooklineCpu));
  const pairRatios = hooklineRuns.map((h, i) => (h.windows[0]?.rate ?? NaN) / (floorRuns[i]?.windows[0]?.rate ?? NaN));
  return {
    floor: floorFigures,
    floorLocal: floorLocalFigures,
    sustained: { ...sustained, interleavedWithFloor: true },
    pairRatios: spread(pairRatios, 2),
  };
}
