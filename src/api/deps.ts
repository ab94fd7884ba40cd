import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { ReadyConfig } from '../config.js';
import type { Db } from '../db/database.js';
import type { SecretBox } from '../security/secret-box.js';

/** What the API's routes need; built once by the API process (or by a test). */
export interface ApiDeps {
  db: Db;
  box: SecretBox;
  temporal: Client;
  config: ReadyConfig;
  logger: Logger;
}
