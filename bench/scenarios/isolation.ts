import { percentile, progress, sleep } from '../lib.js';
import { type Hookline, type Receiver } from '../stack.js';
import { eventIssue, subscribe } from './measure.js';
import { type Profile } from './profile.js';

/**
 * isolation: a healthy webhook's latency from the 202 to the arrival, alone and beside another
 * community's 400 deliveries whose receiver hangs past the delivery timeout (all on one webhook,
 * then spread over 20), with the default flow settings; and how many of the neighbour's attempts
 * ran meanwhile. The healthy events go at 20/s.
 */
const HANGING = 400;
const RATE = 20;

export async function isolationScenario(hookline: Hookline, rx: Receiver, p: Profile) {
  const samples = Math.max(40, Math.round((p.windowMs / 1000) * RATE));
  const healthy = await hookline.newCommunity('bench isolation healthy');
  await subscribe(hookline, healthy.key, 1, `${rx.origin}/isolation-healthy`, ['user.visited'], 'isolation');
  const send = eventIssue(hookline, healthy.key, 'user.visited');
  let seq = 0;
  const measure = async (label: string) => {
    const latencies: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: samples }, async (_, i) => {
        await sleep(started + (i * 1000) / RATE - Date.now());
        const { id, acceptedAt } = await send(1_000_000 + seq++);
        const at = await rx.wait(id, 120_000);
        latencies.push(at === undefined ? Number.POSITIVE_INFINITY : Math.max(0, at - acceptedAt));
      }),
    );
    latencies.sort((a, b) => a - b);
    progress(`isolation: ${label}: p99 ${percentile(latencies, 99)} ms`);
    return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), samples };
  };
  const hangingAttempts = () => [...rx.arrivals.keys()].filter((k) => k.startsWith('hang:')).length;

  await measure('warm-up');
  const alone = await measure('alone');
  const beside: Record<string, unknown> = {};
  for (const spreadOver of [1, 20]) {
    const neighbour = await hookline.newCommunity(`bench isolation hanging ${spreadOver}`);
    const hooks = await subscribe(hookline, neighbour.key, spreadOver, `${rx.origin}/hang-${spreadOver}`, ['store.item.purchased'], 'isolation');
    const flood = eventIssue(hookline, neighbour.key, 'store.item.purchased');
    const before = hangingAttempts();
    for (let i = 0; i < HANGING / spreadOver; i += 8) await Promise.all(Array.from({ length: Math.min(8, HANGING / spreadOver - i) }, (_, j) => flood(i + j)));
    // the neighbour's slots fill with hung attempts and its other deliveries queue: measure in that
    // steady state, not while its 400 workflows are still being started
    for (let t = 0; t < 600; t++) {
      const flows = await Promise.all(hooks.map(async (id) => (await hookline.call<{ flow: { inFlight: number; waiting: number } }>('GET', `/v1/webhooks/${id}`, undefined, neighbour.key, 200)).flow));
      const inFlight = flows.reduce((n, f) => n + f.inFlight, 0);
      if (inFlight === Math.min(HANGING, 10 * spreadOver) && inFlight + flows.reduce((n, f) => n + f.waiting, 0) === HANGING) break;
      await sleep(200);
    }
    const atStart = hangingAttempts();
    const figures = await measure(`beside ${HANGING} hanging on ${spreadOver}`);
    beside[`over${spreadOver}`] = { ...figures, neighbourAttemptsBefore: atStart - before, neighbourAttemptsWhileMeasured: hangingAttempts() - atStart };
    // the neighbour's webhooks go (their deliveries are cancelled) before the next round
    for (const id of hooks) await hookline.call('DELETE', `/v1/webhooks/${id}`, undefined, neighbour.key, 200);
  }
  return { hanging: HANGING, healthyRatePerSecond: RATE, alone, beside };
}
