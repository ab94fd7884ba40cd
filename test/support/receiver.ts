import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a receiver got: the exact bytes and headers of one POST. */
export interface Arrival {
  at: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** How to answer one arrival: a status (after `delayMs`), a hang past the timeout, or a reset. */
export type Responder = (
  arrival: Arrival,
  index: number,
) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hang' | 'reset';

/**
 * A real HTTP receiver on loopback that records every arrival and answers as the test says:
 * a status, a hang past the timeout, or a reset connection.
 */
export class TestReceiver {
  readonly arrivals: Arrival[] = [];
  /** Requests being answered now, and the most there ever were at once, by path. */
  readonly open = new Map<string, number>();
  readonly maxOpen = new Map<string, number>();
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  private server: http.Server;
  responder: Responder = () => ({ status: 200, body: 'ok' });

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const arrival: Arrival = {
          at: Date.now(),
          method: req.method ?? '',
          path: req.url ?? '',
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
          body: Buffer.concat(chunks).toString('utf8'),
        };
        const index = this.arrivals.push(arrival) - 1;
        const open = (this.open.get(arrival.path) ?? 0) + 1;
        this.open.set(arrival.path, open);
        this.maxOpen.set(arrival.path, Math.max(open, this.maxOpen.get(arrival.path) ?? 0));
        const closed = () => this.open.set(arrival.path, (this.open.get(arrival.path) ?? 1) - 1);
        res.once('close', closed);
        const answer = this.responder(arrival, index);
        if (answer === 'hang') return;
        if (answer === 'reset') return void req.socket.destroy();
        const reply = () => {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(reply, answer.delayMs);
        else reply();
        this.waiters = this.waiters.filter((w) => (this.arrivals.length >= w.count ? (w.resolve(), false) : true));
      });
    });
  }

  static async start(): Promise<TestReceiver> {
    const receiver = new TestReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Resolves once `count` arrivals have come (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs = 30_000): Promise<Arrival[]> {
    if (this.arrivals.length >= count) return Promise.resolve(this.arrivals);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver got ${this.arrivals.length} of ${count} arrivals`)), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.arrivals);
        },
      });
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
