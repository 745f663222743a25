/**
 * The benchmark's sections after the throughput table, each on balancers of its own: 10,000
 * keep-alive connections held (socket errors), one of three backends SIGKILLed under load (failed
 * requests), and the abuse section (`abuse.ts`): slow uploads beside normal clients on a two-server
 * zone, then a flood of pipelined requests nobody reads against the stated RSS bound. Each prints
 * its line and returns its JSON figures.
 */
import { pipelineFlood, slowUploads } from './abuse.ts';
import { BENCH } from './config.ts';
import { type Started, startBackend, startBalancer, stop } from './procs.ts';
import { failures } from './stats.ts';
import { runWrk } from './wrk.ts';

const { MANY_CONNECTIONS, MANY_SECONDS, ABUSE_SECONDS, SLOW_CLIENTS, PIPELINE_CLIENTS, PIPELINE_REQUESTS } =
  BENCH;
const { PIPELINE_SECONDS, PIPELINE_RSS_BOUND_MB } = BENCH;

/** 10,000 concurrent keep-alive connections held on the round-robin balancer. */
export async function manyConnections(be: Started) {
  const many = await startBalancer('round-robin', [be.url]);
  console.log(
    `\nholding ${MANY_CONNECTIONS} keep-alive connections for ${MANY_SECONDS}s on the balancer ...`,
  );
  const r = await runWrk(`${many.url}/`, {
    threads: 1,
    connections: MANY_CONNECTIONS,
    seconds: MANY_SECONDS,
    timeoutS: 10,
  });
  await stop(many.proc);
  const errors = Object.values(r.socketErrors).reduce((a, b) => a + b, 0);
  console.log(
    `${MANY_CONNECTIONS} connections: ${Math.round(r.rps)} req/s, p99 ${r.p99Ms.toFixed(1)} ms, socket errors ${errors} ` +
      `(${JSON.stringify(r.socketErrors)}), non-2xx ${r.non2xx}`,
  );
  return {
    connections: MANY_CONNECTIONS,
    seconds: MANY_SECONDS,
    rps: Math.round(r.rps),
    p99Ms: r.p99Ms,
    socketErrors: r.socketErrors,
    non2xx: r.non2xx,
  };
}

/** One of three backends SIGKILLed a third into a run under load. */
export async function backendKilled(be: Started, SECONDS: number) {
  const extra = [await startBackend(), await startBackend()];
  const kb = await startBalancer(
    'round-robin',
    [be, ...extra].map((b) => b.url),
  );
  const killAfterMs = Math.round((SECONDS * 1000) / 3);
  console.log(
    `\nkilling one of three backends (SIGKILL) after ${killAfterMs} ms of a ${SECONDS}s wrk run ...`,
  );
  const run = runWrk(`${kb.url}/`, { threads: 1, connections: 64, seconds: SECONDS });
  await Bun.sleep(killAfterMs);
  await stop(extra[0]!.proc, 'SIGKILL');
  const r = await run;
  const metrics = await (await fetch(`${kb.url}/metrics`)).text();
  const retries = [...metrics.matchAll(/^balancer_retries_total\{[^}]*\} (\d+)/gm)].reduce(
    (a, m) => a + Number(m[1]),
    0,
  );
  await stop(kb.proc);
  await stop(extra[1]!.proc);
  const failed = failures(r);
  console.log(`backend killed: ${r.requests} requests, ${failed} failed, ${retries} retried`);
  return { requests: r.requests, failed, non2xx: r.non2xx, socketErrors: r.socketErrors, retries };
}

/** Slow uploads on a two-server zone, then the pipelining flood, each on a fresh balancer. */
export async function abuse(be: Started) {
  const two = [await startBackend(), await startBackend()];
  const zone = await startBalancer(
    'round-robin',
    two.map((b) => b.url),
  );
  console.log(
    `\nabuse: ${SLOW_CLIENTS} slow-upload clients (2,000,000 bytes announced, 1 KiB every 5 s) + 64 normal clients, ` +
      `two-server zone, ${ABUSE_SECONDS}s ...`,
  );
  const slow = await slowUploads(zone.url, {
    slowClients: SLOW_CLIENTS,
    normalClients: 64,
    seconds: ABUSE_SECONDS,
    trickleMs: 5_000,
    servers: 2,
  });
  await stop(zone.proc);
  for (const b of two) await stop(b.proc);
  console.log(
    `slow uploads: normal clients ${slow.normal.requests} requests, ${slow.normalFailed} failed (target 0); ` +
      `fewest alive ${slow.minAlive} of 2, servers that left the alive pool: ${slow.leftAlive.length} (target 0); ` +
      `${slow.uploads} uploads ended ${JSON.stringify(slow.uploadStatuses)}`,
  );
  const flooded = await startBalancer('round-robin', [be.url]);
  console.log(
    `\nabuse: ${PIPELINE_CLIENTS} clients pipelining ${PIPELINE_REQUESTS} GET /64k each and never reading, ${PIPELINE_SECONDS}s ...`,
  );
  const flood = await pipelineFlood(flooded.url, flooded.proc.pid, {
    clients: PIPELINE_CLIENTS,
    requestsPerClient: PIPELINE_REQUESTS,
    path: '/64k',
    seconds: PIPELINE_SECONDS,
    abortMb: Math.max(1024, PIPELINE_RSS_BOUND_MB * 4),
  });
  await stop(flooded.proc);
  const underBound = !flood.aborted && flood.rssPeakMb <= PIPELINE_RSS_BOUND_MB;
  console.log(
    `pipelining flood: balancer RSS ${flood.rssBeforeMb.toFixed(0)} MiB before, peak ${flood.rssPeakMb.toFixed(0)} MiB ` +
      `(bound ${PIPELINE_RSS_BOUND_MB} MiB: ${underBound ? 'met' : 'NOT met'}${flood.aborted ? ', cut short' : ''}), ` +
      `${flood.rssAfterMb.toFixed(0)} MiB after; polite client ${flood.politeOk}/${flood.politeSent} answered`,
  );
  return {
    slowUploads: {
      ...slow,
      normal: {
        requests: slow.normal.requests,
        rps: Math.round(slow.normal.rps),
        p99Ms: slow.normal.p99Ms,
        non2xx: slow.normal.non2xx,
        socketErrors: slow.normal.socketErrors,
      },
      met: slow.normalFailed === 0 && slow.leftAlive.length === 0,
    },
    pipelineFlood: { ...flood, rssBoundMb: PIPELINE_RSS_BOUND_MB, met: underBound },
  };
}
