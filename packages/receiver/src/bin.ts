#!/usr/bin/env node
/**
 * hookline-example-receiver: the example receiver, configured by the environment.
 *
 *   HOOKLINE_WEBHOOK_SECRET=whsec_… HOOKLINE_ENCRYPTION_KEY=<32 characters, if the webhook encrypts> \
 *     PORT=4000 npx hookline-example-receiver
 *
 * HOOKLINE_WEBHOOK_SECRET may hold two secrets separated by a space while you roll a new one out.
 */
import type { AddressInfo } from 'node:net';
import { createExampleServer } from './example-server.js';

const secrets = (process.env.HOOKLINE_WEBHOOK_SECRET ?? '').split(/[\s,]+/).filter(Boolean);
if (secrets.length === 0) {
  process.stderr.write("set HOOKLINE_WEBHOOK_SECRET to the webhook's signing secret (whsec_…)\n");
  process.exit(2);
}
const tolerance = process.env.HOOKLINE_TOLERANCE_SECONDS;
const server = createExampleServer({
  secrets,
  encryptionKey: process.env.HOOKLINE_ENCRYPTION_KEY || undefined,
  toleranceSeconds: tolerance ? Number(tolerance) : undefined,
});
server.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  process.stderr.write(`receiving Hookline webhooks on http://${address}:${port}/\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
