import { progress, spread } from '../lib.js';
import { type Hookline, type Receiver } from '../stack.js';
import { eventIssue, subscribe } from './measure.js';
import { type Profile } from './profile.js';

/**
 * fifo: deliveries per second through FIFO webhooks (ordering: fifo), whose deliveries go one at a
 * time, each after the one before it is final: one webhook alone, and fifty side by side (each event
 * fans out to all fifty). Events are posted one after another, as an ordered stream is.
 */
export async function fifoScenario(hookline: Hookline, rx: Receiver, p: Profile) {
  const runOne = async (webhooks: number, events: number, label: string) => {
    const { key } = await hookline.newCommunity(`bench fifo ${label}`);
    await subscribe(hookline, key, webhooks, `${rx.origin}/fifo-${label}`, ['user.visited'], `fifo ${label}`, { ordering: 'fifo' });
    const issue = eventIssue(hookline, key, 'user.visited');
    const rates: number[] = [];
    for (let run = 0; run < p.runs; run++) {
      const ids: string[] = [];
      const started = Date.now();
      for (let i = 0; i < events; i++) ids.push(...((await issue(run * events + i)).all ?? []));
      let arrived = 0;
      const times = await Promise.all(
        ids.map(async (id) => {
          const at = await rx.wait(id, 600_000);
          if (++arrived % 200 === 0) progress(`fifo ${label}: run ${run + 1}/${p.runs}: ${arrived}/${ids.length}`);
          return at ?? Number.NaN;
        }),
      );
      const last = Math.max(...times);
      if (Number.isNaN(last)) throw new Error(`fifo ${label}: not every delivery arrived`);
      rates.push(ids.length / ((last - started) / 1000));
    }
    return { webhooks, deliveries: events * webhooks, deliveriesPerSecond: spread(rates, 1) };
  };
  const quick = p.fanout < 1000;
  return {
    one: await runOne(1, quick ? 100 : 300, 'one'),
    fifty: await runOne(50, quick ? 10 : 30, 'fifty'),
  };
}
