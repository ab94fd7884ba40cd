/**
 * For tuning runs only: the Hookline worker (src/worker-main.ts) with its worker options and pg pool
 * size overridden from the environment, so a setting can be measured before it is written into
 * src/worker.ts or src/db/database.ts. `npm run bench` uses src/worker-main.ts itself unless
 * BENCH_WORKER_OPTIONS or BENCH_PG_POOL_MAX is set.
 *   BENCH_WORKER_OPTIONS='{"maxCachedWorkflows":100}'  merged into WORKER_TUNING
 *   BENCH_PG_POOL_MAX=20                               the pool size createDb asks for
 *   BENCH_PURGE_TUNING='{"pauseRatio":3}'              merged into PURGE_TUNING (activities/purge.ts)
 */
import pg from 'pg';
import { PURGE_TUNING } from '../activities/purge.js';
import { WORKER_TUNING } from '../src/worker.js';

Object.assign(WORKER_TUNING, JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}'));
Object.assign(PURGE_TUNING, JSON.parse(process.env.BENCH_PURGE_TUNING || '{}'));
const poolMax = Number(process.env.BENCH_PG_POOL_MAX || 0);
if (poolMax > 0) {
  const Original = pg.Pool;
  pg.Pool = class extends Original {
    constructor(config?: pg.PoolConfig) {
      super({ ...config, max: poolMax });
    }
  } as typeof pg.Pool;
}
process.stdout.write(`bench worker overrides: ${JSON.stringify({ workerTuning: WORKER_TUNING, purgeTuning: PURGE_TUNING, poolMax: poolMax || 'default' })}\n`);
await import('../src/worker-main.js');
