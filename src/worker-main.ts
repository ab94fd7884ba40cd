/** `npm run worker`: one delivery worker; run several against one Temporal to scale out. */
import { requireSecrets } from './config.js';
import { createDb } from './db/database.js';
import { loadConfigOrExit, rootLogger, warnAboutUnsafeSettings } from './runtime.js';
import { SecretBox } from './security/secret-box.js';
import { startWorker } from './worker.js';

const loaded = loadConfigOrExit();
let config;
try {
  config = requireSecrets(loaded);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
const logger = rootLogger(config);
warnAboutUnsafeSettings(config, logger);
const db = createDb(config.databaseUrl);
// The Temporal runtime stops the worker on SIGINT/SIGTERM; run() then resolves after in-flight
// attempts finish (shutdownGraceTime), and we close the pool behind it.
const worker = await startWorker({ config, db, box: new SecretBox(config.secretsKey), logger });
logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
await worker.done;
await db.destroy();
logger.info('worker stopped');
