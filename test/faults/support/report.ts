import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ScenarioFigures } from './books.js';
import { ARTIFACTS_DIR } from './processes.js';

export const RESULTS_FILE = path.join(ARTIFACTS_DIR, 'results.json');

export function writeResults(results: readonly ScenarioFigures[], suiteStartedAt: number): void {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ writtenAt: new Date().toISOString(), suiteMs: Date.now() - suiteStartedAt, scenarios: results }, null, 2)}\n`,
  );
}

const seconds = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);

/** The figures as the Markdown table RELIABILITY.md carries. */
export function formatTable(results: readonly ScenarioFigures[]): string {
  const rows = [
    '| scenario | events sent | deliveries expected | delivered | lost | duplicated (extra arrivals) | attempts re-sent | time to recover | drain after last fault | latency p50 / p99 / max |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.scenario} ${r.title} | ${r.eventsSent} | ${r.deliveriesExpected} | ${r.delivered} | ${r.lost} | ${r.duplicated} (${r.duplicateArrivals}) | ${r.rerunAttempts} | ${seconds(r.recoveryMs)} | ${seconds(r.drainMs)} | ${seconds(r.latencyMs.p50)} / ${seconds(r.latencyMs.p99)} / ${seconds(r.latencyMs.max)} |`,
    ),
  ];
  return rows.join('\n');
}

