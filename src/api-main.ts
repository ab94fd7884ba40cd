/** `npm run api`: the management API alone (scale it out behind a load balancer). */
import { requireSecrets } from './config.js';
import { createDb } from './db/database.js';
import { startApi } from './api-server.js';
import { loadConfigOrExit, onShutdownSignal, rootLogger, warnAboutUnsafeSettings } from './runtime.js';
import { SecretBox } from './security/secret-box.js';

const config = requireSecretsOrExit();
const logger = rootLogger(config);
warnAboutUnsafeSettings(config, logger);
const db = createDb(config.databaseUrl);
const api = await startApi({ config, db, box: new SecretBox(config.secretsKey), logger });
logger.info({ url: api.url }, 'API listening');
onShutdownSignal(logger, async () => {
  await api.close();
  await db.destroy();
});

function requireSecretsOrExit() {
  const loaded = loadConfigOrExit();
  try {
    return requireSecrets(loaded);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
