/**
 * Ports for tests that start servers or children on 127.0.0.1.
 */

/** A TCP port free on 127.0.0.1 right now: the kernel's pick for a listener that is closed at once. */
export function freePort(): number {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
  const port = s.port as number;
  s.stop(true);
  return port;
}
