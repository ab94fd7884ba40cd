import { progress, sleep, spread } from '../lib.js';
import { type Hookline, type Receiver } from '../stack.js';
import { subscribe, eventIssue } from './measure.js';
import { type Profile } from './profile.js';

/** fanout: one event to 1,000 webhooks, the 202 and the last arrival. */
export async function fanoutScenario(hookline: Hookline, rx: Receiver, p: Profile) {
  const { key } = await hookline.newCommunity('bench fanout');
  await subscribe(hookline, key, p.fanout, `${rx.origin}/fanout`, ['store.item.purchased'], 'fanout');
  const issue = eventIssue(hookline, key, 'store.item.purchased');
  const toAccepted: number[] = [];
  const toAll: number[] = [];
  const rates: number[] = [];
  for (let run = 0; run < p.runs; run++) {
    const sentAt = Date.now();
    const accepted = await issue(run);
    const all = accepted.all ?? [];
    toAccepted.push(accepted.acceptedAt - sentAt);
    if (all.length !== p.fanout) throw new Error(`fanout: ${all.length} deliveries, expected ${p.fanout}`);
    let arrived = 0;
    const ticker = setInterval(
      () => progress(`fanout: run ${run + 1}/${p.runs}: 202 in ${toAccepted[run]} ms, ${arrived}/${p.fanout} arrived`),
      500,
    );
    const times = await Promise.all(
      all.map(async (id) => {
        const at = await rx.wait(id, 300_000);
        arrived += 1;
        return at ?? NaN;
      }),
    );
    clearInterval(ticker);
    const last = Math.max(...times);
    if (Number.isNaN(last)) throw new Error('fanout: not all deliveries arrived within 5 minutes');
    toAll.push((last - sentAt) / 1000);
    rates.push(p.fanout / ((last - sentAt) / 1000));
    await sleep(1000);
  }
  return {
    webhooks: p.fanout,
    acceptedMs: spread(toAccepted, 0),
    allArrivedSeconds: spread(toAll, 2),
    deliveriesPerSecond: spread(rates, 1),
  };
}
