/**
 * Whether a TCP port on an address of this host (default 127.0.0.1) can be bound right now: the leader checks a candidate app port
 * with a quick listen-and-close before handing it to a new app server, so a port held by something
 * outside the registry (another program, a leftover process) is skipped instead of crashing the app.
 */
import { createServer } from 'node:net';

/**
 * Resolves true when `port` could be bound on `host` (default 127.0.0.1), false otherwise; true
 * when `host` is not an address of this machine (another node's: it cannot be probed from here, and
 * the registry's per-node ports already keep it apart). Never throws.
 */
export function portBindable(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRNOTAVAIL'));
    srv.listen({ port, host, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}
