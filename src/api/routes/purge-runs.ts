import { NoPurgeSchedule, type PurgeRun as Run, type PurgeSchedule, latestPurgeRun, triggerPurge } from '../../temporal/purge.js';
import { ApiError } from '../envelope.js';
import { PurgeRun } from '../responses.js';
import { defineRoute } from '../route.js';
import { emptyBody } from '../schemas.js';
import { presentPurgeRun } from './present.js';

/**
 * The purge (docs/retention.md) for the operator: run it now, and read the last run. Both go
 * through the `hookline-purge` Temporal Schedule the workers keep; `hookline purge run` and
 * `hookline purge status` call them.
 */
const tag = 'Retention';

function noSchedule(error: NoPurgeSchedule): ApiError {
  return new ApiError(
    409,
    `there is no purge schedule ${error.message} yet`,
    'A worker creates it when it starts (npm run worker, npm start); so does npm run setup with TEMPORAL_ADDRESS set.',
  );
}

function temporalDown(): ApiError {
  return new ApiError(503, 'Temporal is unreachable; the purge schedule could not be read', 'Try again in a moment.', null, { 'retry-after': '5' });
}

async function viaTemporal<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof NoPurgeSchedule) throw noSchedule(error);
    throw temporalDown();
  }
}

export const purgeRunRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/purge-runs',
    access: 'admin',
    tag,
    summary: 'Run the purge now (through its schedule; a run already going is not doubled)',
    description:
      'Triggers the `hookline-purge` schedule with its overlap policy (SKIP): when a run is going already, that run is answered with `started: false`. Poll GET /v1/purge-runs/latest for its progress and result.',
    body: emptyBody,
    response: { status: 202, description: 'the run that is going', data: PurgeRun },
    errors: [401, 404, 409, 429, 503],
    handler: async ({ deps }) => {
      const { started, run, schedule } = await viaTemporal(() => triggerPurge(deps.temporal, deps.config));
      return { status: 202, data: { ...presentPurgeRun(run, schedule, deps.config), started } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/purge-runs/latest',
    access: 'admin',
    tag,
    summary: "The purge's last run: its progress while it runs, what it deleted once done",
    response: { status: 200, description: 'the last run', data: PurgeRun },
    errors: [401, 404, 409, 429, 503],
    handler: async ({ deps }) => {
      const latest: { run: Run | undefined; schedule: PurgeSchedule } = await viaTemporal(() => latestPurgeRun(deps.temporal, deps.config));
      if (!latest.run) {
        throw new ApiError(404, 'the purge has not run yet', `It runs every PURGE_INTERVAL; POST /v1/purge-runs runs it now.`);
      }
      return { status: 200, data: presentPurgeRun(latest.run, latest.schedule, deps.config) };
    },
  }),
];
