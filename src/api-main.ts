/**
 * `npm run api`: the management API alone (scale it out behind a load balancer), on DATABASE_URL
 * (unset: the embedded PostgreSQL that npm start runs, .data/postgres-url). SIGINT, SIGTERM or SIGHUP: it stops accepting connections, answers the requests in flight, closes its Temporal
 * connection and database pool, and exits 0.
 */
import { requireSecrets } from './config.js';
import { createDb } from './db/database.js';
import { type RunningApi, startApi } from './api-server.js';
import { databaseUrlOrExit, loadConfigOrExit, onShutdownSignal, rootLogger, stopInOrder, warnAboutUnsafeSettings } from './runtime.js';
import { SecretBox } from './security/secret-box.js';
import { startTracing, stopTracing } from './tracing/index.js';

const config = requireSecretsOrExit();
const logger = rootLogger(config);
warnAboutUnsafeSettings(config, logger);
const db = createDb(databaseUrlOrExit(config));
let api: RunningApi | undefined;
const shutdown = onShutdownSignal(logger, () =>
  stopInOrder(logger, [
    ['api', api && (() => api!.close())],
    ['database', () => db.destroy()],
    // last: the spans of the requests answered while stopping are sent too
    ['traces', () => stopTracing()],
  ]),
);
try {
  // before the API's Temporal client is made: it takes the tracing interceptors when tracing is on
  await startTracing(config.tracing, 'hookline-api', logger);
  api = await startApi({ config, db, box: new SecretBox(config.secretsKey, config.secretsKeyPrevious), logger });
  logger.info({ url: api.url }, 'API listening');
} catch (error) {
  shutdown.fatal(error, 'start-up failed');
}

function requireSecretsOrExit() {
  const loaded = loadConfigOrExit();
  try {
    return requireSecrets(loaded);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
