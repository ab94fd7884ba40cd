/**
 * A complete receiver for Hookline webhooks, the one the README's "Receiving webhooks" shows:
 *
 *   HOOKLINE_WEBHOOK_SECRET=whsec_… HOOKLINE_ENCRYPTION_KEY=<32 characters, if encryption is on> \
 *   PORT=4000 npx tsx src/receiver/example-server.ts
 *
 * It verifies every POST, decrypts it when it is encrypted, parses JSON or XML, prints one line
 * of JSON per new delivery on stdout, and answers 204 (or 401/400, so a bad request is visible in
 * the delivery's attempts). The integration tests run this very file against a real Hookline.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { decryptWebhook, verifyWebhook } from './index.js';
import { HEADER } from '../wire/headers.js';

const secret = process.env.HOOKLINE_WEBHOOK_SECRET;
if (!secret?.startsWith('whsec_')) {
  console.error('set HOOKLINE_WEBHOOK_SECRET to the webhook\'s signing secret (whsec_…)');
  process.exit(1);
}
const encryptionKey = process.env.HOOKLINE_ENCRYPTION_KEY ?? '';

// parseTagValue: false keeps every leaf a string (an id "007" stays "007"; numbers arrive as their
// JSON text); trimValues: false keeps text exactly as sent.
const xml = new XMLParser({ ignoreDeclaration: true, parseTagValue: false, trimValues: false });

// webhook-id is the delivery id: the same on every retry and replay, so it is the dedupe key.
// A real receiver keeps it in its database; a Set is enough to show the idea.
const seen = new Set<string>();

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    // the signature covers the exact bytes sent, so verify the raw body, before anything else
    const raw = Buffer.concat(chunks).toString('utf8');
    try {
      verifyWebhook(raw, req.headers, secret);
    } catch {
      res.writeHead(401).end('invalid signature');
      return;
    }
    let event: unknown;
    try {
      const { body, contentType } = decryptWebhook(raw, req.headers, encryptionKey);
      event = contentType.startsWith('application/xml') ? (xml.parse(body) as { event: unknown }).event : JSON.parse(body);
    } catch (error) {
      res.writeHead(400).end(`cannot read the body: ${(error as Error).message}`);
      return;
    }
    const deliveryId = String(req.headers[HEADER.webhookId]);
    if (!seen.has(deliveryId)) {
      seen.add(deliveryId);
      console.log(JSON.stringify({ deliveryId, attempt: req.headers[HEADER.attempt], event }));
    }
    res.writeHead(204).end();
  });
});

server.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.error(`receiving Hookline webhooks on http://${address}:${port}/`);
});
