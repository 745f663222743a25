/**
 * Whether a TCP port on 127.0.0.1 can be bound right now: the leader checks a candidate app port
 * with a quick listen-and-close before handing it to a new app server, so a port held by something
 * outside the registry (another program, a leftover process) is skipped instead of crashing the app.
 */
import { createServer } from 'node:net';

/** Resolves true when `port` could be bound on `host` (default 127.0.0.1), false otherwise. Never throws. */
export function portBindable(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}
