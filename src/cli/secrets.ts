import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createDb } from '../db/database.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { DATA_DIR } from '../runtime.js';
import { SecretBox } from '../security/secret-box.js';
import { type ResealCounts, resealAll } from '../store/reseal.js';
import { causeOf, CliError } from './errors.js';

/**
 * `hookline secrets reseal`: every sealed value in Postgres re-sealed under SECRETS_KEY and bound
 * to its row (src/store/reseal.ts). Run it after starting the API and workers with the new
 * SECRETS_KEY and the old one as SECRETS_KEY_PREVIOUS; when it reports nothing unreadable, remove
 * SECRETS_KEY_PREVIOUS. It talks to Postgres directly (DATABASE_URL; unset, the embedded server in
 * .data/postgres, started for the duration when npm start is not running it): it needs the keys,
 * which the API never hands out. Safe while the service runs, and idempotent. Exit status 1 when a value
 * could not be opened with either key.
 */
export async function secretsReseal(args: string[], out: (line: string) => void): Promise<number> {
  parseArgs({ args, options: {}, strict: true });
  const config = loadConfig();
  const keptFile = path.join(DATA_DIR, 'secrets-key');
  const current = config.secretsKey ?? (existsSync(keptFile) ? readFileSync(keptFile, 'utf8').trim() : undefined);
  if (!current) throw new CliError('set SECRETS_KEY (the new key) and SECRETS_KEY_PREVIOUS (the one it replaces)');
  let box: SecretBox;
  try {
    box = new SecretBox(current, config.secretsKeyPrevious);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  // DATABASE_URL unset: the embedded server, as npm start runs it, or started for the duration
  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    try {
      embedded = await startEmbeddedPostgres({
        dataDir: DATA_DIR,
        initialise: false,
        log: (level, message) => {
          if (level !== 'info') process.stderr.write(`hookline: ${message}\n`);
        },
      });
    } catch (error) {
      throw new CliError(`DATABASE_URL is unset and the embedded PostgreSQL could not be used: ${(error as Error).message}`);
    }
  }
  const db = createDb(config.databaseUrl ?? embedded!.url);
  try {
    const report = await resealAll(db, box);
    const line = (what: string, c: ResealCounts) =>
      `${what}: ${c.checked} checked, ${c.resealed} re-sealed, ${c.current} already under SECRETS_KEY, ${c.changed} changed meanwhile (left as written), ${c.unreadable} unreadable`;
    out(line('signing secrets', report.webhookSecrets));
    out(line('encryption keys', report.encryptionKeys));
    out(line('custom headers', report.customHeaders));
    if (report.unreadable.length > 0) {
      for (const where of report.unreadable) out(`unreadable: ${where}`);
      out('some values open with neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS: keep SECRETS_KEY_PREVIOUS, find the key that sealed them, or rotate those webhooks\' secrets');
      return 1;
    }
    out(`every sealed value is under SECRETS_KEY (key id ${box.keyId})${config.secretsKeyPrevious ? '; SECRETS_KEY_PREVIOUS can be removed' : ''}`);
    return 0;
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw new CliError(`cannot reach Postgres (${causeOf(error)}); check DATABASE_URL`);
    throw error;
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}
