import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';

/**
 * A DNS server on loopback for tests: answers A queries from `answers`, never answers names that
 * start with `hang` (a resolver that hangs), and answers NXDOMAIN for anything else.
 */
export class TestDnsServer {
  readonly queries: string[] = [];
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {}

  static async start(answers: Record<string, string>): Promise<TestDnsServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const server = new TestDnsServer(socket, socket.address().port);
    socket.on('message', (message, remote) => {
      const query = dnsPacket.decode(message);
      const question = query.questions?.[0];
      if (!question) return;
      server.queries.push(`${question.type} ${question.name}`);
      if (question.name.startsWith('hang')) return;
      const address = answers[question.name];
      const reply = dnsPacket.encode({
        type: 'response',
        id: query.id,
        flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (question.name in answers ? 0 : 3),
        questions: [question],
        answers: address && question.type === 'A' ? [{ type: 'A', name: question.name, ttl: 60, data: address }] : [],
      });
      socket.send(reply, remote.port, remote.address);
    });
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
