// The worker's workflow bundle: every workflow the task queue runs.
export * from './delivery.js';
export * from './replay-job.js';
export * from './purge.js';
