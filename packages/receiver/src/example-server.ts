/**
 * A complete receiver on nothing but node:http: every POST is verified, decrypted and parsed;
 * each new delivery id is printed as one JSON line and answered 204; a refused request is
 * answered with the error's status (401, 400, 500) and `{"error": code, "message": …}`, so it is
 * visible in the delivery's attempts in Hookline. `hookline-example-receiver` runs it.
 */
import http from 'node:http';
import { ReceiverError } from './errors.js';
import { receive } from './receive.js';

export interface ExampleServerOptions {
  /** The webhook's signing secret, or two while you roll a new one out. */
  secrets: readonly string[];
  encryptionKey?: string | undefined;
  toleranceSeconds?: number | undefined;
  /** Where the delivery lines go (default: stdout). */
  out?: (line: string) => void;
  /** Where refusals are told (default: stderr). */
  log?: (line: string) => void;
}

/** Hookline's bodies are at most 1 MiB; base64 of the encrypted body adds a third. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function createExampleServer(options: ExampleServerOptions): http.Server {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // webhook-id is the delivery id: the same on every retry and replay, so it is the dedupe key.
  // A real receiver keeps it in its database; a Set shows the idea.
  const seen = new Set<string>();

  return http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        // the raw bytes, exactly as received: the signature covers them
        const delivery = receive({
          body: Buffer.concat(chunks),
          headers: req.headers,
          secrets: options.secrets,
          encryptionKey: options.encryptionKey,
          ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
        });
        if (!seen.has(delivery.deliveryId)) {
          seen.add(delivery.deliveryId);
          const { deliveryId, attempt, eventType, format, event } = delivery;
          out(JSON.stringify({ deliveryId, attempt, eventType, format, event }));
        }
        res.writeHead(204).end();
      } catch (error) {
        if (!(error instanceof ReceiverError)) throw error;
        log(`refused ${req.url ?? '/'}: ${error.code}: ${error.message}`);
        res.writeHead(error.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.code, message: error.message }));
      }
    });
  });
}
