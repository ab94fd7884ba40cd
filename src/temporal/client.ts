import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.js';

export async function connectClient(config: Pick<Config, 'temporal'>): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address ?? 'localhost:7233' });
  return new Client({ connection, namespace: config.temporal.namespace });
}
