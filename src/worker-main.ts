/**
 * `npm run worker`: one delivery worker; run several against one Temporal to scale out. Its
 * database is DATABASE_URL (unset: the embedded PostgreSQL that npm start runs, .data/postgres-url).
 *
 * SIGINT, SIGTERM or SIGHUP: the worker stops polling, lets the attempts in flight finish and
 * record their rows (up to 30 s, shutdownGraceTime), then the pool closes and it exits 0. A fatal
 * worker error closes the pool and exits 1. The Temporal SDK's own signal handler is off
 * (`shutdownSignals: []`), so this file decides the order.
 */
import { requireSecrets } from './config.js';
import { createDb } from './db/database.js';
import { databaseUrlOrExit, loadConfigOrExit, onShutdownSignal, rootLogger, stopInOrder, warnAboutUnsafeSettings } from './runtime.js';
import { SecretBox } from './security/secret-box.js';
import { type RunningWorker, startWorker } from './worker.js';
import { startTracing, stopTracing } from './tracing/index.js';

const loaded = loadConfigOrExit();
let config;
try {
  config = requireSecrets(loaded, ['secretsKey']); // the worker never checks the admin token
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
const logger = rootLogger(config);
warnAboutUnsafeSettings(config, logger);
const db = createDb(databaseUrlOrExit(config));
let worker: RunningWorker | undefined;
const shutdown = onShutdownSignal(logger, async () => {
  await stopInOrder(logger, [
    // a worker that failed has been reported (and the exit code set) by its done handler below
    ['worker', worker && (() => worker!.shutdown().catch(() => {}))],
    ['database', () => db.destroy()],
    // last: the spans of the attempts finished while stopping are sent too
    ['traces', () => stopTracing()],
  ]);
  logger.info('worker stopped');
});
try {
  await startTracing(config.tracing, 'hookline-worker', logger);
  worker = await startWorker({ config, db, box: new SecretBox(config.secretsKey, config.secretsKeyPrevious), logger, shutdownSignals: [] });
  void worker.done.catch((error: unknown) => shutdown.fatal(error, 'worker failed'));
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
} catch (error) {
  shutdown.fatal(error, 'start-up failed');
}
