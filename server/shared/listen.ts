/**
 * The one way a role opens its public port: `listening({ host, port }, () => Bun.serve(…))` runs the
 * listen call and turns the kernel's refusal (port in use, not allowed) into a `PortInUse` /
 * `BadConfig` error whose one-line message names the port and the fix, so `main.ts` prints it and
 * exits 2 instead of Bun printing a stack trace.
 */
import { BadConfig } from './errors.ts';

/** The role's port is held by another process (EADDRINUSE); a `BadConfig`, so the process exits 2. */
export class PortInUse extends BadConfig {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(
      `port ${port} on ${host} is in use by another process: stop it (ss -ltnp 'sport = :${port}' names it) or choose another port with --port (or ZONESCALE_PORT)`,
    );
  }
}

/** The errno code of a failed listen (Bun sets `code` on its errors), or undefined. */
function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs `listen` (which opens `where.port` on `where.host`) and returns what it returns.
 * @throws PortInUse on EADDRINUSE; BadConfig on EACCES / EADDRNOTAVAIL; anything else as thrown.
 */
export function listening<T>(where: { host: string; port: number }, listen: () => T): T {
  try {
    return listen();
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EADDRINUSE') throw new PortInUse(where.host, where.port);
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new BadConfig(
        `cannot listen on ${where.host}:${where.port} (${code}): choose another --port or --host (or ZONESCALE_PORT / ZONESCALE_HOST)`,
      );
    throw err;
  }
}
