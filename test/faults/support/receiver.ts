import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { decrypt } from '../../../packages/receiver/src/decrypt.js';
import { HEADER } from '../../../src/wire/headers.js';

/**
 * The receiver every webhook of the fault suite points at: a real HTTP server on loopback that
 * records each arrival (webhook-id, attempt header, the event it carries, whether its signature
 * verifies with the `standardwebhooks` package, and what it answered), and answers as the scenario's
 * plan says: a status (optionally late, with a slowly streamed body), a hang past the timeout, or a
 * reset connection.
 */
export type Plan =
  | { kind: 'status'; status: number; headers?: Record<string, string>; delayMs?: number; slowBody?: { chunks: number; intervalMs: number } }
  | { kind: 'hang'; holdMs: number }
  | { kind: 'reset' };

export type Answer =
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  | { kind: 'reset' };

export interface Arrival {
  seq: number;
  at: number;
  /** When the answer was complete (for a status), or the connection dropped. */
  doneAt: number | undefined;
  scenario: string;
  hook: string;
  deliveryId: string;
  attempt: number;
  eventType: string;
  eventId: string | undefined;
  signatureValid: boolean;
  verifyError: string | undefined;
  answer: Answer;
}

export interface HookRegistration {
  secret: string;
  encryptionKey?: string;
  plan: (request: { deliveryId: string; attempt: number }) => Plan;
}

export class FaultReceiver {
  readonly arrivals: Arrival[] = [];
  private readonly hooks = new Map<string, HookRegistration>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: http.Server;

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FaultReceiver> {
    const receiver = new FaultReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  urlFor(scenario: string, hook: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${scenario}/${hook}`;
  }

  register(scenario: string, hook: string, registration: HookRegistration): void {
    this.hooks.set(`/${scenario}/${hook}`, registration);
  }

  arrivalsOf(scenario: string): Arrival[] {
    return this.arrivals.filter((a) => a.scenario === scenario);
  }

  /** Requests whose answer is still being written or held (a hang, a late or slow answer). */
  get open(): number {
    return this.arrivals.filter((a) => a.doneAt === undefined).length;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const path = req.url ?? '';
    const [, scenario = '', hook = ''] = path.split('/');
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(' ') : (v ?? '')]),
    ) as Record<string, string>;
    const registration = this.hooks.get(path);
    let signatureValid = false;
    let verifyError: string | undefined;
    let eventId: string | undefined;
    if (registration) {
      try {
        new Webhook(registration.secret).verify(body, headers, { jsonParse: false });
        signatureValid = true;
      } catch (error) {
        verifyError = (error as Error).message;
      }
      eventId = eventIdOf(body, headers, registration.encryptionKey);
    } else {
      verifyError = `no webhook registered at ${path}`;
    }
    const deliveryId = headers[HEADER.webhookId] ?? '';
    const attempt = Number(headers[HEADER.attempt] ?? 0);
    const plan: Plan = registration ? registration.plan({ deliveryId, attempt }) : { kind: 'status', status: 404 };
    const arrival: Arrival = {
      seq: this.arrivals.length,
      at: Date.now(),
      doneAt: undefined,
      scenario,
      hook,
      deliveryId,
      attempt,
      eventType: headers[HEADER.eventType] ?? '',
      eventId,
      signatureValid,
      verifyError,
      answer: plan.kind === 'status' ? { kind: 'status', status: plan.status } : { kind: plan.kind },
    };
    this.arrivals.push(arrival);
    const done = () => (arrival.doneAt ??= Date.now());
    res.on('close', done);

    if (plan.kind === 'reset') {
      req.socket.destroy();
      done();
      return;
    }
    if (plan.kind === 'hang') {
      // hold it past the sender's timeout, then drop it; the sender has given up long before
      this.later(plan.holdMs, () => req.socket.destroy());
      return;
    }
    const respond = () => {
      res.writeHead(plan.status, plan.headers ?? {});
      const slow = plan.slowBody;
      if (!slow) return void res.end('ok');
      let sent = 0;
      const next = () => {
        sent += 1;
        if (sent >= slow.chunks) return void res.end(`chunk ${sent}\n`);
        res.write(`chunk ${sent}\n`);
        this.later(slow.intervalMs, next);
      };
      next();
    };
    if (plan.delayMs) this.later(plan.delayMs, respond);
    else respond();
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The event id a delivery carries, from its JSON, XML or encrypted body. */
function eventIdOf(body: string, headers: Record<string, string>, encryptionKey: string | undefined): string | undefined {
  try {
    // the receiver kit's own decrypt (packages/receiver): an unencrypted body comes back as it is
    const plain = decrypt({ body, headers, encryptionKey });
    if (plain.contentType.includes('json')) return (JSON.parse(plain.plaintext) as { id?: string }).id;
    return /<event><id>([^<]+)<\/id>/.exec(plain.plaintext)?.[1];
  } catch {
    return undefined;
  }
}
