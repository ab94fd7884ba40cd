import { Pool } from 'undici';
import { HEADER } from '../../src/wire/headers.js';
import { progress, spread } from '../lib.js';
import { type Hookline, type Receiver } from '../stack.js';
import { type Profile } from './profile.js';

/** raw: the receiver alone, POSTs as fast as 16 connections make them (the ceiling of everything else). */
const WEBHOOK_BODY = {
  id: 'evt_0000000000000000000000',
  type: 'user.joined',
  timestamp: '2026-11-29T12:00:00.000Z',
  communityId: 'cmty_0000000000000000000000',
  data: { user: { id: 'usr_1', username: 'ada', displayName: 'Ada Lovelace' }, joinedAt: '2026-11-29T12:00:00.000Z' },
};

export async function rawScenario(rx: Receiver, p: Profile) {
  const concurrency = 16;
  const pool = new Pool(rx.origin, { connections: concurrency, keepAliveTimeout: 60_000 });
  const body = JSON.stringify(WEBHOOK_BODY);
  const headers = {
    [HEADER.contentType]: 'application/json',
    [HEADER.userAgent]: 'Hookline-bench/1',
    [HEADER.webhookTimestamp]: '1796040000',
    [HEADER.webhookSignature]: 'v1,0000000000000000000000000000000000000000000=',
    [HEADER.eventType]: 'user.joined',
    [HEADER.attempt]: '1',
  };
  const rates: number[] = [];
  const windowMs = Math.min(p.windowMs, 3000);
  for (let run = -1; run < p.runs; run++) {
    let done = 0;
    const end = Date.now() + (run < 0 ? 1000 : windowMs);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          const r = await pool.request({ method: 'POST', path: '/raw', headers, body });
          await r.body.dump();
          done += 1;
        }
      }),
    );
    if (run >= 0) rates.push(done / (windowMs / 1000));
    progress(`raw: ${run < 0 ? 'warm-up' : `run ${run + 1}/${p.runs}: ${rates[run]!.toFixed(0)}/s`}`);
  }
  await pool.close();
  return { requestsPerSecond: spread(rates, 0), connections: concurrency };
}
