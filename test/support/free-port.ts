import { createServer } from 'node:net';

/**
 * A loopback TCP port nothing listens on right now (the OS picks it), for a server a test, the
 * fault suite or the bench is about to start. Another process could take it in between; on one
 * machine running one suite that has not happened.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
