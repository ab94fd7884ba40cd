import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Test host names in the system's /etc/hosts, so that both Hookline's create-time check and the
 * worker's connect-time lookup resolve them through the real system resolver. Every line carries a
 * marker with this process's id; restoring removes exactly those lines and leaves whatever else is
 * in the file (other test runs, other engineers) alone. Writes are atomic (write + rename), because
 * a half-written /etc/hosts would break `localhost` for every process on the machine.
 */
const HOSTS = '/etc/hosts';
const MARK = `# hookline-security-test ${process.pid}`;

function writeAtomically(text: string): void {
  const mode = statSync(HOSTS).mode & 0o777;
  const tmp = `${HOSTS}.hookline-${process.pid}.tmp`;
  writeFileSync(tmp, text);
  chmodSync(tmp, mode);
  renameSync(tmp, HOSTS);
}

function withoutMine(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.endsWith(MARK))
    .join('\n');
}

/** Replaces this process's test entries with `entries` ([address, name] pairs; a name may repeat). */
export function mapHosts(entries: ReadonlyArray<readonly [string, string]>): void {
  const base = withoutMine(readFileSync(HOSTS, 'utf8')).replace(/\n*$/, '\n');
  writeAtomically(base + entries.map(([address, name]) => `${address} ${name} ${MARK}`).join('\n') + '\n');
}

export function restoreHosts(): void {
  const current = readFileSync(HOSTS, 'utf8');
  if (current.includes(MARK)) writeAtomically(withoutMine(current).replace(/\n*$/, '\n'));
}

// a test process that dies mid-file must not leave its names behind
process.once('exit', restoreHosts);

/** A loopback listener that only counts connections: anything reaching it means a guard failed. */
export class Tripwire {
  connections = 0;
  private servers: net.Server[] = [];
  port = 0;

  static async start(): Promise<Tripwire> {
    const trip = new Tripwire();
    const onConnection = (socket: net.Socket) => {
      trip.connections++;
      socket.destroy();
    };
    const v4 = net.createServer(onConnection);
    await new Promise<void>((resolve) => v4.listen(0, '127.0.0.1', resolve));
    trip.port = (v4.address() as net.AddressInfo).port;
    trip.servers.push(v4);
    // the same port on ::1 when it is free, so IPv6 loopback forms would be caught too
    const v6 = net.createServer(onConnection);
    const ok = await new Promise<boolean>((resolve) => {
      v6.once('error', () => resolve(false));
      v6.listen(trip.port, '::1', () => resolve(true));
    });
    if (ok) trip.servers.push(v6);
    return trip;
  }

  get listensOnIpv6(): boolean {
    return this.servers.length > 1;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Opens and closes one connection, to prove the tripwire would see one. */
export async function touch(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, host, () => {
      socket.end();
      resolve();
    });
    socket.on('error', reject);
  });
}
