/**
 * A plain Bun HTTP service, no zonescale code: listens on $HOST:$PORT (default 127.0.0.1:8080)
 * and answers `GET /healthz` (its health check), `GET /work?ms=50` (burns that much CPU, 1..5000
 * ms) and `GET /` (who answered). Packaged as an image by the Dockerfile beside it.
 */
const port = Number(process.env.PORT ?? 8080);
const hostname = process.env.HOST ?? '127.0.0.1';

/** Spins on the CPU for `ms` milliseconds; returns the loop count. */
function burn(ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
}

const server = Bun.serve({
  hostname,
  port,
  fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === '/healthz') return Response.json({ status: 'ok' });
    if (url.pathname === '/work') {
      const ms = Number(url.searchParams.get('ms') ?? 50);
      if (!Number.isFinite(ms) || ms < 1 || ms > 5000)
        return Response.json({ error: 'ms must be between 1 and 5000' }, { status: 400 });
      return Response.json({ cpuMs: ms, loops: burn(ms) });
    }
    if (url.pathname === '/') return Response.json({ service: 'bun-http', pid: process.pid });
    return Response.json({ error: 'not found' }, { status: 404 });
  },
});
process.on('SIGTERM', () => {
  server.stop(true);
  process.exit(0);
});
console.log(`bun-http listening on ${server.url}`);
