/**
 * The benchmark's backend: a Bun server with a small fixed response (13 bytes) on every path and a
 * `GET /health_check` in the app's shape, so the balancer's active checks pass. Started as its own
 * process by `run.ts`: `bun bench/balancer/backend.ts <port>`.
 */
const port = Number(process.argv[2] ?? 0);
const hello = 'hello, world\n';
const health = JSON.stringify({ status: 'ok', cpu: 0, inFlight: 0 });

const server = Bun.serve({
  hostname: '127.0.0.1',
  port,
  idleTimeout: 60,
  fetch(req) {
    if (req.url.endsWith('/health_check'))
      return new Response(health, { headers: { 'content-type': 'application/json' } });
    return new Response(hello, { headers: { 'content-type': 'text/plain' } });
  },
});
console.log(`backend listening on ${server.port}`);
process.on('SIGTERM', () => process.exit(0));
