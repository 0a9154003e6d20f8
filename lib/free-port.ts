import { createServer } from 'node:net';

/**
 * A port that was free a moment ago on 127.0.0.1. Servers we spawn cannot take port 0 and
 * report back (the Temporal CLI and FerretDB want a number), so we ask the kernel for one.
 * The tiny race with another process is accepted; callers retry start-up on failure.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}
