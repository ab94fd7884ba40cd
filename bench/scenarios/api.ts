import autocannon from 'autocannon';
import { progress, spread } from '../lib.js';
import { type Hookline } from '../stack.js';
import { type Profile } from './profile.js';

/** api: POST /v1/events latency at a fixed request rate. */
export async function apiScenario(hookline: Hookline, p: Profile) {
  const { key } = await hookline.newCommunity('bench api (no webhooks)');
  const options = {
    url: `${hookline.apiUrl}/v1/events`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'user.joined', data: { user: { id: 'usr_1', username: 'ada' }, joinedAt: '2026-11-29T12:00:00.000Z' } }),
    connections: 10,
    duration: p.apiSeconds,
  };
  progress('api: warm-up');
  await autocannon({ ...options, duration: 1 });
  const maxRps: number[] = [];
  const maxP99: number[] = [];
  const at200P99: number[] = [];
  const at200P50: number[] = [];
  const at200Rps: number[] = [];
  let non2xx = 0;
  for (let run = 0; run < p.runs; run++) {
    progress(`api: run ${run + 1}/${p.runs}, as fast as it answers`);
    const max = await autocannon(options);
    maxRps.push(max.requests.average);
    maxP99.push(max.latency.p99);
    non2xx += max.non2xx + max.errors;
    progress(`api: run ${run + 1}/${p.runs}, 200 requests/s`);
    const fixed = await autocannon({ ...options, overallRate: 200 });
    at200P99.push(fixed.latency.p99);
    at200P50.push(fixed.latency.p50);
    at200Rps.push(fixed.requests.average);
    non2xx += fixed.non2xx + fixed.errors;
  }
  return {
    max: { requestsPerSecond: spread(maxRps, 0), p99Ms: spread(maxP99, 1) },
    at200: { requestsPerSecond: spread(at200Rps, 0), p50Ms: spread(at200P50, 1), p99Ms: spread(at200P99, 1) },
    connections: options.connections,
    non2xxOrErrors: non2xx,
  };
}
