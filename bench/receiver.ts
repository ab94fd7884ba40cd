/**
 * The benchmark's receiver, a process of its own (forked with IPC): a plain Node HTTP server on
 * loopback that reads each POST, answers 200 at once and reports `webhook-id` + arrival time to the
 * parent in small batches. Requests without a `webhook-id` (the raw scenario) are only counted.
 * Requests to a path under /hang are never answered (a receiver that hangs, for the isolation
 * scenario); each is reported as `hang:<webhook-id>:<n>`, so every attempt counts.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HEADER } from '../src/wire/headers.js';

type ToParent =
  | { type: 'ready'; port: number }
  | { type: 'arrivals'; ids: string[]; at: number[] }
  | { type: 'count'; count: number; nonce: number };

const send = (message: ToParent) => process.send?.(message);

let count = 0;
let ids: string[] = [];
let at: number[] = [];

const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    count += 1;
    const id = req.headers[HEADER.webhookId];
    if (req.url?.startsWith('/hang')) {
      ids.push(`hang:${String(id)}:${count}`);
      at.push(Date.now());
      return;
    }
    if (typeof id === 'string') {
      ids.push(id);
      at.push(Date.now());
    }
    // `?body=N` (the growth scenario): an answer of N bytes, which the attempt row keeps (up to 20 kB)
    const size = Number(/[?&]body=(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
    const body = size > 0 ? bodyOf(size) : 'ok';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
});
/** Text that does not compress away (hex of a counter's hash), as a receiver's real answer would not. */
const bodies = new Map<number, string>();
function bodyOf(size: number): string {
  let body = bodies.get(size);
  if (body === undefined) {
    let text = '';
    for (let i = 0; text.length < size; i++) text += createHash('sha256').update(String(i)).digest('hex');
    body = text.slice(0, size);
    bodies.set(size, body);
  }
  return body;
}

server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;

setInterval(() => {
  if (ids.length === 0) return;
  send({ type: 'arrivals', ids, at });
  ids = [];
  at = [];
}, 5).unref();

process.on('message', (message: { type: string; nonce?: number }) => {
  if (message.type === 'count') send({ type: 'count', count, nonce: message.nonce ?? 0 });
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (server.address() as AddressInfo).port }));
