/**
 * `npm run bench [-- scenario ...] [--quick] [--runs=N] [--window=S] [--concurrency=N]`
 *
 * Measures Hookline against the engine's floor on this machine: starts (or reuses, with
 * TEMPORAL_ADDRESS) a Temporal dev server, a fresh Postgres database, the API and one worker as
 * separate processes, the floor's worker and a receiver on loopback; runs each scenario after a
 * warm-up; prints a table and writes bench/results.json (a full run) or bench/results/<names>.json
 * (some scenarios). Method and latest figures: BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { WORKER_TUNING } from '../src/worker.js';
import {
  cpuSeconds,
  descendants,
  killAllChildrenNow,
  loadAverage,
  machineJiffies,
  progress,
  progressDone,
  ROOT,
  stopAllChildren,
  topProcesses,
} from './lib.js';
import {
  apiScenario,
  fanoutScenario,
  fifoScenario,
  floorAndSustained,
  floorScenario,
  FULL,
  isolationScenario,
  GROWTH_ENV,
  growthScenario,
  parkedScenario,
  type Profile,
  QUICK,
  rawScenario,
  sustainedScenario,
  sustainedSetup,
  tracingScenario,
  warmHookline,
} from './scenarios/index.js';
import {
  type BenchDatabase,
  type Floor,
  freshDatabase,
  HOOKLINE_BENCH_ENV,
  type Hookline,
  hooklineWorkerEntry,
  makeLogDir,
  runsFromSource,
  Receiver,
  startFloor,
  startHookline,
  startTemporal,
  type TemporalServer,
} from './stack.js';
import { tuneScenario } from './tune.js';

const SCENARIOS = ['raw', 'floor', 'sustained', 'fanout', 'api', 'parked', 'isolation', 'fifo', 'tracing'] as const;
/** Run only when named (`npm run bench -- growth`): about 15 minutes, on a Hookline of its own. */
const ON_REQUEST = ['tune', 'growth'] as const;
type Scenario = (typeof SCENARIOS)[number] | (typeof ON_REQUEST)[number];

function parseArgs(argv: string[]) {
  const names = argv.filter((a) => !a.startsWith('--'));
  for (const name of names) {
    if (![...SCENARIOS, ...ON_REQUEST].includes(name as Scenario)) {
      process.stderr.write(`unknown scenario "${name}"; one of: ${[...SCENARIOS, ...ON_REQUEST].join(', ')}\n`);
      process.exit(2);
    }
  }
  const flag = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const base = argv.includes('--quick') ? QUICK : FULL;
  const profile: Profile = {
    ...base,
    ...(flag('runs') ? { runs: Number(flag('runs')) } : {}),
    ...(flag('window') ? { windowMs: Number(flag('window')) * 1000 } : {}),
    ...(flag('warmup') ? { warmupMs: Number(flag('warmup')) * 1000 } : {}),
    ...(flag('concurrency') ? { concurrency: Number(flag('concurrency')) } : {}),
    ...(flag('parked') ? { parked: Number(flag('parked')) } : {}),
    ...(flag('fanout') ? { fanout: Number(flag('fanout')) } : {}),
  };
  const selected: Scenario[] = names.length > 0 ? (names as Scenario[]) : [...SCENARIOS];
  return { selected, profile, full: names.length === 0, quick: argv.includes('--quick'), tuneOnly: flag('only') };
}

function sh(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/**
 * What else used the CPU during the run: the machine's busy time minus this benchmark's processes
 * and minus Postgres (which serves the benchmark, and other users too: it cannot be told apart).
 */
function startNoiseMonitor() {
  const samples: number[] = [];
  const loads: number[] = [];
  const postgresPids = () =>
    sh('pgrep', ['-x', 'postgres'])
      .split('\n')
      .map(Number)
      .filter((n) => n > 0);
  const ours = () => [process.pid, ...descendants(process.pid), ...postgresPids()];
  let last = { jiffies: machineJiffies(), cpu: new Map(ours().map((pid) => [pid, cpuSeconds(pid)])) };
  const timer = setInterval(() => {
    const jiffies = machineJiffies();
    const pids = ours();
    const cpu = new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
    let oursSeconds = 0;
    for (const [pid, seconds] of cpu) {
      const before = last.cpu.get(pid);
      if (before !== undefined && !Number.isNaN(before) && !Number.isNaN(seconds)) oursSeconds += seconds - before;
    }
    const busySeconds = (jiffies.busy - last.jiffies.busy) / 100;
    const wallSeconds = (jiffies.total - last.jiffies.total) / 100 / os.cpus().length;
    if (wallSeconds > 0) samples.push(Math.max(0, busySeconds - oursSeconds) / wallSeconds);
    loads.push(loadAverage()[0]);
    last = { jiffies, cpu };
  }, 5000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const mean = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : 0;
      return {
        otherProcessesCores: { mean: Number(mean.toFixed(2)), max: Number(Math.max(0, ...samples).toFixed(2)) },
        loadAverage1m: { min: Math.min(...loads), max: Math.max(...loads) },
      };
    },
  };
}

interface Check {
  what: string;
  value: number;
  limit: number;
  comparison: '≥' | '≤';
  ok: boolean;
  by: string;
}

function check(what: string, value: number | undefined, comparison: '≥' | '≤', limit: number | undefined): Check | undefined {
  if (value === undefined || limit === undefined || Number.isNaN(value) || Number.isNaN(limit)) return undefined;
  const ok = comparison === '≥' ? value >= limit : value <= limit;
  const by = ok ? 'met' : `missed by ${Math.abs(((value - limit) / limit) * 100).toFixed(0)}%`;
  return { what, value: Number(value.toFixed(2)), limit: Number(limit.toFixed(2)), comparison, ok, by };
}

async function main() {
  const { selected, profile, full, quick, tuneOnly } = parseArgs(process.argv.slice(2));
  const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const logDir = makeLogDir(runId);
  const started = Date.now();
  const want = (s: Scenario) => selected.includes(s);
  const needHookline = ['sustained', 'fanout', 'api', 'parked', 'isolation', 'fifo'].some((s) => want(s as Scenario));
  const needTemporal = needHookline || want('floor') || want('growth') || want('tracing');

  const results: Record<string, any> = {
    runId,
    startedAt: new Date(started).toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    profile,
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
      os: `${os.type()} ${os.release()}`,
    },
    versions: {
      node: process.version,
      temporalCli: sh(process.env.TEMPORAL_CLI_PATH ?? 'temporal', ['--version']),
      temporalSdk: packageVersion('@temporalio/worker'),
      undici: packageVersion('undici'),
      express: packageVersion('express'),
      pg: packageVersion('pg'),
      postgres: 'unknown',
      hookline: `${sh('git', ['rev-parse', '--short', 'HEAD'])}${sh('git', ['status', '--porcelain', '--', 'src', 'workflows', 'activities']) ? ' (with uncommitted changes)' : ''}`,
    },
    settings: {
      hooklineEnv: HOOKLINE_BENCH_ENV,
      workerTuning: { ...WORKER_TUNING, ...JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}') },
      ...(process.env.BENCH_PG_POOL_MAX ? { pgPoolMax: Number(process.env.BENCH_PG_POOL_MAX) } : {}),
      hooklineWorker: runsFromSource() ? `tsx ${hooklineWorkerEntry()}` : `sh scripts/worker.sh (${workerScriptSetting()})`,
      ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { workerNodeOptions: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
      temporal: 'not started',
    },
    load: { before: loadAverage(), topBefore: topProcesses() },
    scenarios: {},
  };
  process.stderr.write(
    `Hookline bench ${runId}: ${selected.join(', ')}${quick ? ' (quick)' : ''}; load average ${results.load.before.join(' ')}; logs in ${path.relative(ROOT, logDir)}\n`,
  );
  if (results.load.before[0] > 0.5) {
    process.stderr.write(`warning: the machine is busy (load ${results.load.before[0]}); figures will be noisy\n`);
  }
  const noise = startNoiseMonitor();

  let temporal: TemporalServer | undefined;
  let db: BenchDatabase | undefined;
  let hookline: Hookline | undefined;
  let floor: Floor | undefined;
  let client: Client | undefined;
  let growthDb: BenchDatabase | undefined;
  let growthHookline: Hookline | undefined;
  const interrupted = () => {
    killAllChildrenNow();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    if (want('tune')) {
      results.scenarios.tune = await tuneScenario({ logDir, runId, profile, ...(tuneOnly ? { only: tuneOnly.split(',') } : {}) });
    }
    const rx = await Receiver.start(logDir);
    if (want('raw')) {
      results.scenarios.raw = await rawScenario(rx, profile);
      progressDone(`raw: ${results.scenarios.raw.requestsPerSecond.median} POSTs/s`);
    }
    if (needTemporal) {
      progress('starting Temporal');
      // BENCH_TEMPORAL_STORAGE (wal | file | memory) and BENCH_TEMPORAL_DYNAMIC_CONFIG (k=v,k=v):
      // the dev server otherwise, for tuning runs of the whole of Hookline
      temporal = await startTemporal(logDir, {
        storage: (process.env.BENCH_TEMPORAL_STORAGE as 'wal' | 'file' | 'memory' | undefined) || 'wal',
        dynamicConfig: (process.env.BENCH_TEMPORAL_DYNAMIC_CONFIG ?? '').split(',').filter(Boolean),
      });
      results.settings.temporal = temporal.settings;
      client = new Client({ connection: await Connection.connect({ address: temporal.address }), namespace: 'default' });
    }
    if (want('floor')) {
      progress('starting the floor worker');
      floor = await startFloor({ logDir, runId, temporalAddress: temporal!.address });
      if (!want('sustained')) {
        results.scenarios.floor = await floorScenario(floor, rx, runId, profile, 'floorWorkflow', 'floor', temporal);
        progressDone(`floor: ${results.scenarios.floor.perSecond.median} workflows/s`);
      }
    }
    if ((needHookline || want('tracing')) && !runsFromSource()) {
      progress('npm run build (the API and the worker run from dist/, as npm start does)');
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    if (needHookline) {
      progress('creating the database, starting the API and the worker');
      db = await freshDatabase(runId);
      results.versions.postgres = (await db.pool.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ?? 'unknown';
      hookline = await startHookline({ logDir, runId, temporalAddress: temporal!.address, databaseUrl: db.url });
      const setup = await sustainedSetup(hookline, rx);
      await warmHookline(hookline, rx, setup, profile);
      if (want('sustained') && floor) {
        // floor and Hookline in alternating windows, so the ratio is fair on a machine that is not quiet
        const paired = await floorAndSustained(floor, hookline, rx, client, setup, runId, profile, temporal, db);
        results.scenarios.floor = paired.floor;
        results.scenarios.floorLocal = paired.floorLocal;
        results.scenarios.sustained = paired.sustained;
        results.pairRatios = paired.pairRatios;
        progressDone(`floor: ${paired.floor.perSecond.median} workflows/s`);
      } else if (want('sustained')) {
        results.scenarios.sustained = await sustainedScenario(hookline, rx, client, setup, profile, temporal, db);
      }
      if (floor) {
        await floor.stop();
        floor = undefined;
      }
      if (results.scenarios.sustained) {
        const s = results.scenarios.sustained;
        progressDone(`sustained: ${s.max.perSecond.median} deliveries/s; p99 at half ${s.half.latencyMs.p99.median} ms`);
      }
      if (want('fanout')) {
        results.scenarios.fanout = await fanoutScenario(hookline, rx, profile);
        const f = results.scenarios.fanout;
        progressDone(`fanout: 202 in ${f.acceptedMs.median} ms, all ${f.webhooks} in ${f.allArrivedSeconds.median} s`);
      }
      if (want('api')) {
        results.scenarios.api = await apiScenario(hookline, profile);
        progressDone(`api: ${results.scenarios.api.max.requestsPerSecond.median} requests/s; p99 at 200/s ${results.scenarios.api.at200.p99Ms.median} ms`);
      }
      if (want('isolation')) {
        results.scenarios.isolation = await isolationScenario(hookline, rx, profile);
        const i = results.scenarios.isolation;
        progressDone(`isolation: p99 ${i.alone.p99Ms} ms alone, ${i.beside.over1.p99Ms} ms beside 400 hanging on 1 webhook, ${i.beside.over20.p99Ms} ms on 20`);
      }
      if (want('fifo')) {
        results.scenarios.fifo = await fifoScenario(hookline, rx, profile);
        const f = results.scenarios.fifo;
        progressDone(`fifo: ${f.one.deliveriesPerSecond.median}/s on one webhook, ${f.fifty.deliveriesPerSecond.median}/s on fifty`);
      }
      if (want('parked')) {
        results.scenarios.parked = await parkedScenario(hookline, rx, db, temporal!, profile);
        const p = results.scenarios.parked;
        progressDone(`parked: worker ${p.worker.rssMb.median} MB, ${p.worker.cpuPercent.median}% CPU with ${p.deliveries} waiting`);
      }
    }
    if (want('tracing')) {
      // its own three Hooklines (code without tracing, tracing off, tracing on), after the main one stopped
      await hookline?.stop();
      hookline = undefined;
      results.scenarios.tracing = await tracingScenario(rx, temporal!.address, runId, logDir, profile);
      const t = results.scenarios.tracing;
      progressDone(
        `tracing: off/absent ${t.offOverAbsent.ratio} (${t.offOverAbsent.withinNoise ? 'within noise' : 'outside the noise'}), on/off ${t.onOverOff}`,
      );
    }
    if (want('growth')) {
      // a Hookline of its own, with a short retention, on a fresh database
      if (!runsFromSource() && !needHookline) {
        progress('npm run build (the API and the worker run from dist/, as npm start does)');
        execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      }
      if (hookline) {
        await hookline.stop();
        hookline = undefined;
      }
      progress('growth: creating its database, starting its API and worker');
      growthDb = await freshDatabase(`${runId}_growth`);
      if (results.versions.postgres === 'unknown') {
        results.versions.postgres = (await growthDb.pool.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ?? 'unknown';
      }
      results.settings.growthEnv = GROWTH_ENV;
      growthHookline = await startHookline({ logDir, runId: `${runId}-growth`, temporalAddress: temporal!.address, databaseUrl: growthDb.url, env: GROWTH_ENV });
      results.scenarios.growth = await growthScenario(growthHookline, rx, growthDb, client!, profile, quick ? { cycles: 4 } : {});
      const g = results.scenarios.growth;
      progressDone(
        `growth: ${g.bytesPerDelivery?.smallAnswer.compact.total ?? '-'} B/delivery; steady ${g.steady?.growthPercentOverLastHalf ?? '-'}% over the last cycles; purge ${g.bulk.rowsPerSecond} rows/s; p99 during it ${g.bulk.latencyDuringPurgeMs.p99} ms`,
      );
    }
  } finally {
    progress('stopping');
    await growthHookline?.stop().catch(() => {});
    await growthDb?.drop().catch(() => {});
    await client?.connection.close().catch(() => {});
    await floor?.stop().catch(() => {});
    await hookline?.stop().catch(() => {});
    await stopAllChildren();
    await temporal?.stop().catch(() => {});
    await db?.drop().catch(() => {});
    progressDone('stopped everything this run started');
  }

  results.finishedAt = new Date().toISOString();
  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  results.load.after = loadAverage();
  results.load.during = noise.stop();
  results.checks = evaluate(results.scenarios, results.pairRatios);

  const table = render(results);
  process.stdout.write(`\n${table}\n`);
  const file = full && !quick ? path.join(ROOT, 'bench', 'results.json') : path.join(ROOT, 'bench', 'results', `${selected.join('-')}${quick ? '-quick' : ''}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nwritten ${path.relative(ROOT, file)} (${results.durationSeconds} s)\n`);
}

function evaluate(s: Record<string, any>, pairRatios?: { median: number; min: number; max: number }): Record<string, unknown> {
  const checks: Array<Check | undefined> = [];
  const rate = s.sustained?.max.perSecond.median as number | undefined;
  const floorRate = s.floor?.perSecond.median as number | undefined;
  checks.push(check('sustained deliveries/s vs 0.8 × floor workflows/s', rate, '≥', floorRate !== undefined ? 0.8 * floorRate : undefined));
  checks.push(check('p99 latency at half the sustained maximum, ms', s.sustained?.half.latencyMs.p99.median, '≤', 1000));
  checks.push(check('fanout: 202, ms', s.fanout?.acceptedMs.median, '≤', 1000));
  checks.push(
    check(
      'fanout: all delivered, s, vs 1.25 × (n ÷ sustained rate)',
      s.fanout?.allArrivedSeconds.median,
      '≤',
      rate !== undefined && s.fanout ? (1.25 * s.fanout.webhooks) / rate : undefined,
    ),
  );
  checks.push(check('parked: worker resident memory, MB', s.parked?.worker.rssMb.median, '≤', 300));
  checks.push(check('parked: worker CPU while waiting, %', s.parked?.worker.cpuPercent.median, '≤', 5));
  checks.push(check('api: p99 at 200 requests/s, ms', s.api?.at200.p99Ms.median, '≤', 50));
  for (const over of ['over1', 'over20'] as const) {
    const beside = s.isolation?.beside[over]?.p99Ms as number | undefined;
    const n = over === 'over1' ? 'one webhook' : '20 webhooks';
    checks.push(check(`isolation: healthy p99 beside 400 hanging on ${n}, ms`, beside, '≤', 2000));
    checks.push(check(`isolation: healthy p99 beside 400 hanging on ${n}, vs 5 × alone`, beside, '≤', s.isolation ? 5 * s.isolation.alone.p99Ms : undefined));
  }
  checks.push(check('growth: p99 202→arrival during the 1,000,000-row purge at half load, ms', s.growth?.bulk.latencyDuringPurgeMs.p99, '≤', 1000));
  checks.push(check('growth: table size change over the last half of the purge cycles, %', s.growth?.steady?.growthPercentOverLastHalf, '≤', 5));
  if (s.tracing) {
    const t = s.tracing.offOverAbsent;
    checks.push({
      what: 'tracing off vs code without tracing: CPU-ms per delivery within the noise of the repeats',
      value: Number(s.tracing.off.cpuMsPerDelivery.median.toFixed(2)),
      limit: Number((s.tracing.absent.cpuMsPerDelivery.median + t.cpu.noiseMs).toFixed(2)),
      comparison: '≤',
      ok: t.cpu.withinNoise || t.cpu.differenceMs < 0,
      by: t.cpu.withinNoise ? 'within noise' : t.cpu.differenceMs < 0 ? 'cheaper' : `dearer by ${((t.cpu.ratio - 1) * 100).toFixed(0)}%`,
    });
    checks.push({
      what: 'tracing off vs code without tracing: deliveries/s within the noise of the repeats',
      value: Number(s.tracing.off.perSecond.median.toFixed(2)),
      limit: Number((s.tracing.absent.perSecond.median - t.noisePerSecond).toFixed(2)),
      comparison: '≥',
      ok: t.withinNoise || s.tracing.off.perSecond.median > s.tracing.absent.perSecond.median,
      by: t.withinNoise ? 'within noise' : s.tracing.off.perSecond.median > s.tracing.absent.perSecond.median ? 'faster' : `slower by ${((1 - t.ratio) * 100).toFixed(0)}%`,
    });
  }
  const ratios = {
    ...(rate !== undefined && floorRate !== undefined ? { sustainedOverFloor: Number((rate / floorRate).toFixed(2)) } : {}),
    ...(rate !== undefined && s.floorLocal ? { sustainedOverFloorLocal: Number((rate / s.floorLocal.perSecond.median).toFixed(2)) } : {}),
    ...(pairRatios ? { sustainedOverFloorPerPair: `${pairRatios.median} (${pairRatios.min}–${pairRatios.max})` } : {}),
    ...(floorRate !== undefined && s.raw ? { floorOverRaw: Number((floorRate / s.raw.requestsPerSecond.median).toFixed(4)) } : {}),
    ...(rate !== undefined && s.fanout ? { fanoutRateOverSustained: Number((s.fanout.deliveriesPerSecond.median / rate).toFixed(2)) } : {}),
  };
  return { ratios, targets: checks.filter(Boolean) };
}

function render(results: Record<string, any>): string {
  const s = results.scenarios;
  const rows: string[][] = [['scenario', 'figure', 'median', 'min', 'max']];
  const add = (scenario: string, figure: string, v: { median: number; min: number; max: number } | number | string | undefined) => {
    if (v === undefined) return;
    if (typeof v === 'number' || typeof v === 'string') rows.push([scenario, figure, String(v), '', '']);
    else rows.push([scenario, figure, String(v.median), String(v.min), String(v.max)]);
  };
  if (s.raw) add('raw', `POSTs/s (${s.raw.connections} keep-alive connections)`, s.raw.requestsPerSecond);
  if (s.floor) {
    add('floor', `workflows/s (${s.floor.concurrency} in flight)`, s.floor.perSecond);
    add('floor', 'latency start→arrival p50, ms', s.floor.latencyMs.p50);
    add('floor', 'latency start→arrival p99, ms', s.floor.latencyMs.p99);
    add('floor', 'history events per workflow', s.floor.historyEvents);
    for (const [part, ms] of Object.entries(s.floor.cpuMsPerWorkflow ?? {})) add('floor', `CPU-ms per workflow: ${part}`, ms as number);
  }
  if (s.floorLocal) {
    add('floor-local', `workflows/s (${s.floorLocal.concurrency} in flight)`, s.floorLocal.perSecond);
    add('floor-local', 'latency start→arrival p99, ms', s.floorLocal.latencyMs.p99);
    add('floor-local', 'history events per workflow', s.floorLocal.historyEvents);
    for (const [part, ms] of Object.entries(s.floorLocal.cpuMsPerWorkflow ?? {})) add('floor-local', `CPU-ms per workflow: ${part}`, ms as number);
  }
  if (s.sustained) {
    const x = s.sustained;
    add('sustained', `deliveries/s at max (${x.concurrency} in flight)`, x.max.perSecond);
    add('sustained', '202→arrival p50 at max, ms', x.max.latencyMs.p50);
    add('sustained', '202→arrival p95 at max, ms', x.max.latencyMs.p95);
    add('sustained', '202→arrival p99 at max, ms', x.max.latencyMs.p99);
    add('sustained', `deliveries/s at half (${x.half.ratePerSecond}/s offered)`, x.half.perSecond);
    add('sustained', '202→arrival p50 at half, ms', x.half.latencyMs.p50);
    add('sustained', '202→arrival p95 at half, ms', x.half.latencyMs.p95);
    add('sustained', '202→arrival p99 at half, ms', x.half.latencyMs.p99);
    add('sustained', 'history events per delivery', x.historyEvents);
    for (const [part, ms] of Object.entries(x.cpuMsPerDelivery ?? {})) add('sustained', `CPU-ms per delivery at max: ${part}`, ms as number);
  }
  if (s.fanout) {
    add('fanout', `202 for 1 event → ${s.fanout.webhooks} webhooks, ms`, s.fanout.acceptedMs);
    add('fanout', `all ${s.fanout.webhooks} arrived, s`, s.fanout.allArrivedSeconds);
    add('fanout', 'deliveries/s', s.fanout.deliveriesPerSecond);
  }
  if (s.parked) {
    const p = s.parked;
    add('parked', `worker RSS, MB (${p.deliveries} waiting)`, p.worker.rssMb);
    add('parked', 'worker CPU, % of a core', p.worker.cpuPercent);
    add('parked', 'API RSS, MB', p.api.rssMb);
    add('parked', 'API CPU, % of a core', p.api.cpuPercent);
    if (p.temporal) {
      add('parked', 'Temporal server RSS, MB', p.temporal.rssMb);
      add('parked', 'Temporal server CPU, % of a core', p.temporal.cpuPercent);
    }
    add('parked', 'Postgres rows per delivery', p.postgres.rowsPerDelivery);
    add('parked', 'Postgres bytes per delivery', p.postgres.bytesPerDelivery);
    add('parked', 'Temporal SQLite bytes per delivery', p.temporalBytesPerDelivery);
    add('parked', 'first attempts/s while parking', p.firstAttemptsPerSecond);
  }
  if (s.api) {
    add('api', `requests/s at max (${s.api.connections} connections)`, s.api.max.requestsPerSecond);
    add('api', 'p99 at max, ms', s.api.max.p99Ms);
    add('api', 'p50 at 200 requests/s, ms', s.api.at200.p50Ms);
    add('api', 'p99 at 200 requests/s, ms', s.api.at200.p99Ms);
    if (s.api.non2xxOrErrors) add('api', 'answers other than 202, or errors', s.api.non2xxOrErrors);
  }
  if (s.isolation) {
    const i = s.isolation;
    add('isolation', `healthy 202→arrival p50 alone, ms (${i.healthyRatePerSecond}/s)`, i.alone.p50Ms);
    add('isolation', 'healthy 202→arrival p99 alone, ms', i.alone.p99Ms);
    for (const [over, label] of [['over1', 'one webhook'], ['over20', '20 webhooks']] as const) {
      add('isolation', `p50 beside ${i.hanging} hanging on ${label}, ms`, i.beside[over].p50Ms);
      add('isolation', `p99 beside ${i.hanging} hanging on ${label}, ms`, i.beside[over].p99Ms);
      add('isolation', `neighbour's attempts before / while measured (${label})`, `${i.beside[over].neighbourAttemptsBefore} / ${i.beside[over].neighbourAttemptsWhileMeasured}`);
    }
  }
  if (s.fifo) {
    add('fifo', `deliveries/s, one FIFO webhook (${s.fifo.one.deliveries})`, s.fifo.one.deliveriesPerSecond);
    add('fifo', `deliveries/s, 50 FIFO webhooks (${s.fifo.fifty.deliveries})`, s.fifo.fifty.deliveriesPerSecond);
  }
  if (s.growth) {
    const g = s.growth;
    for (const [answer, label] of [['smallAnswer', '2-byte answers'], ['answer20kB', '20 kB answers']] as const) {
      const b = g.bytesPerDelivery?.[answer];
      if (!b) continue;
      add('growth', `bytes/delivery, ${label}, compact: deliveries / attempts / events`, `${b.compact.deliveries} / ${b.compact.attempts} / ${b.compact.events}`);
      add('growth', `bytes/delivery, ${label}, compact total`, b.compact.total);
      add('growth', `bytes/delivery, ${label}, as written total`, b.asWritten.total);
    }
    if (g.steady) {
      add('growth', `tables after each purge cycle, MB (load ${g.loadPerSecond}/s)`, g.steady.cycles.map((c: { mb: { total: number } }) => c.mb.total).join(' → '));
      add('growth', 'size change over the last half of the cycles, %', g.steady.growthPercentOverLastHalf);
    }
    add('growth', `purge of ${g.bulk.deleted} rows: rows/s deleting`, g.bulk.rowsPerSecond);
    add('growth', 'purge: seconds deleting / with the vacuum', `${g.bulk.deleteSeconds} / ${g.bulk.totalSecondsWithVacuum}`);
    add('growth', 'purge: samples with a lock waiter / samples', `${g.bulk.lockWaits.samplesWithAWaiter} / ${g.bulk.lockWaits.samples}`);
    add('growth', '202→arrival p99 without a purge, ms', g.bulk.latencyWithoutPurgeMs.p99);
    add('growth', '202→arrival p99 during the purge, ms', g.bulk.latencyDuringPurgeMs.p99);
    add('growth', '202→arrival p99 while deleting (before the vacuum), ms', g.bulk.latencyWhileDeletingMs.p99);
    add('growth', '202→arrival p99 while vacuuming, ms', g.bulk.latencyWhileVacuumingMs?.p99);
  }
  if (s.tracing) {
    const t = s.tracing;
    add('tracing', `deliveries/s, tracing code absent (${t.baseline.revision.slice(0, 10)}, ${t.concurrency} in flight)`, t.absent.perSecond);
    add('tracing', 'deliveries/s, tracing off (default)', t.off.perSecond);
    add('tracing', 'deliveries/s, tracing on, OTLP to a local sink (informative)', t.on.perSecond);
    add('tracing', '202→arrival p99, absent, ms', t.absent.latencyMs.p99);
    add('tracing', '202→arrival p99, off, ms', t.off.latencyMs.p99);
    add('tracing', '202→arrival p99, on, ms', t.on.latencyMs.p99);
    add('tracing', 'CPU-ms per delivery (API + worker), absent', t.absent.cpuMsPerDelivery);
    add('tracing', 'CPU-ms per delivery (API + worker), off', t.off.cpuMsPerDelivery);
    add('tracing', 'CPU-ms per delivery (API + worker), on', t.on.cpuMsPerDelivery);
    add('tracing', 'off ÷ absent, per pair of windows', t.offOverAbsent.perPair);
    add(
      'tracing',
      'off ÷ absent, medians',
      `${t.offOverAbsent.ratio} (${t.offOverAbsent.withinNoise ? 'within noise' : 'OUTSIDE the noise'}: ${t.offOverAbsent.differencePerSecond}/s apart, repeats spread ${t.offOverAbsent.noisePerSecond}/s)`,
    );
    add(
      'tracing',
      'off ÷ absent, CPU-ms per delivery',
      `${t.offOverAbsent.cpu.ratio} (${t.offOverAbsent.cpu.withinNoise ? 'within noise' : 'OUTSIDE the noise'}: ${t.offOverAbsent.cpu.differenceMs} ms apart, repeats spread ${t.offOverAbsent.cpu.noiseMs} ms)`,
    );
    add('tracing', `on ÷ off, medians (${t.on.spansExported} spans exported)`, t.onOverOff);
    add('tracing', 'the hooks a delivery runs with tracing off, timed alone, ns', t.hooksOffNsPerDelivery);
  }
  if (s.tune) {
    for (const t of s.tune.variants as Array<{ name: string; perSecond: { median: number; min: number; max: number } }>) {
      add('tune', t.name, t.perSecond);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  const checks = results.checks as { ratios: Record<string, number | string>; targets: Check[] };
  if (Object.keys(checks.ratios).length) out.push('', `ratios: ${Object.entries(checks.ratios).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (checks.targets.length) {
    out.push('', 'targets:');
    for (const t of checks.targets) out.push(`  ${t.ok ? 'ok  ' : 'MISS'} ${t.what}: ${t.value} ${t.comparison} ${t.limit} (${t.by})`);
  }
  const during = results.load.during;
  out.push(
    '',
    `machine: ${results.machine.cpu}, ${results.machine.cores} cores; load average before ${results.load.before.join(' ')}, during ${during.loadAverage1m.min}–${during.loadAverage1m.max} (1 min, this bench included); other processes used ${during.otherProcessesCores.mean} cores on average (max ${during.otherProcessesCores.max})`,
  );
  return out.join('\n');
}

main().catch(async (error: unknown) => {
  progressDone(`failed: ${(error as Error).stack ?? String(error)}`);
  await stopAllChildren().catch(() => {});
  process.exit(1);
});

/** The heap cap scripts/worker.sh gives the worker (WORKER_MAX_OLD_SPACE_MB there, or the environment's). */
function workerScriptSetting(): string {
  const script = readFileSync(path.join(ROOT, 'scripts/worker.sh'), 'utf8');
  const fallback = /WORKER_MAX_OLD_SPACE_MB[:=-]*(\d+)/.exec(script)?.[1];
  return `--max-old-space-size=${process.env.WORKER_MAX_OLD_SPACE_MB ?? fallback ?? '?'}`;
}
