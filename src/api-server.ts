import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { createApp } from './api/app.js';
import type { ReadyConfig } from './config.js';
import type { Db } from './db/database.js';
import type { SecretBox } from './security/secret-box.js';
import { connectClient } from './temporal/client.js';

export interface RunningApi {
  server: Server;
  url: string;
  temporal: Client;
  close(): Promise<void>;
}

export async function startApi(deps: {
  config: ReadyConfig;
  db: Db;
  box: SecretBox;
  logger: Logger;
  port?: number;
}): Promise<RunningApi> {
  const temporal = await connectClient(deps.config);
  const app = createApp({ ...deps, temporal });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(deps.port ?? deps.config.port, '0.0.0.0', () => resolve(s));
    s.on('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : deps.config.port;
  return {
    server,
    url: `http://localhost:${port}`,
    temporal,
    async close() {
      // stop accepting, let requests in flight finish, then drop idle keep-alive sockets
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await temporal.connection.close();
    },
  };
}
