/**
 * `bun run load --rate N --duration S [--zone Z | --gateway] [--path P] [--monitor URL] [--url URL]`:
 * drives real GET requests through a zone balancer or the gateway (found in a monitor's `/state`,
 * `--monitor` default http://127.0.0.1:7001) at a constant rate, bounded in rate (≤ 500 req/s) and
 * duration (≤ 300 s), printing one progress line a second (req/s, p50/p95/p99 latency, errors) and a
 * summary. Exit status: 0, 1 when any request failed, 2 on bad flags or an unknown target.
 */
import { parseArgs } from 'node:util';
import { type LoadProgress, type LoadStatus, startLoad } from './run.ts';
import { LOAD_LIMITS } from './schedule.ts';
import { type LoadTarget, resolveTarget } from './targets.ts';

const USAGE = `usage: bun run load --rate N --duration S [--zone Z | --gateway | --url URL] [--path /work?ms=20] [--monitor http://127.0.0.1:7001]
  --rate       requests per second (1..${LOAD_LIMITS.maxRate})
  --duration   seconds (1..${LOAD_LIMITS.maxDurationS})
  --zone       send to that zone's balancer;  --gateway  send to the gateway (default)
  --url        send to this loopback origin instead of looking it up`;

const ms = (v: number | null) => (v === null ? '    —' : `${v.toFixed(1).padStart(5)}`);

/** One progress line, e.g. `  3 s   40.0 req/s  p50  21.3  p95  30.1  p99  41.0 ms  errors 0 (total 0)  in flight 1`. */
export function progressLine(p: LoadProgress): string {
  return `${String(Math.round(p.elapsedS)).padStart(3)} s  ${p.rps.toFixed(1).padStart(6)} req/s  p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  p99 ${ms(p.p99)} ms  errors ${p.errors} (total ${p.totalErrors})  in flight ${p.inFlight}`;
}

/** The closing summary lines. */
export function summaryLines(s: LoadStatus): string[] {
  return [
    `sent ${s.sent} of ${s.planned} in ${s.elapsedS.toFixed(1)} s to ${s.targetUrl}${s.path}${s.stoppedEarly ? ' (stopped early)' : ''}`,
    `ok ${s.ok}  errors ${s.errors}  dropped ${s.dropped}  outcomes ${JSON.stringify(s.outcomes)}`,
    `latency p50 ${ms(s.p50).trim()} ms  p95 ${ms(s.p95).trim()} ms  p99 ${ms(s.p99).trim()} ms`,
  ];
}

async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        rate: { type: 'string' },
        duration: { type: 'string' },
        zone: { type: 'string' },
        gateway: { type: 'boolean', default: false },
        url: { type: 'string' },
        path: { type: 'string', default: '/work?ms=20' },
        monitor: { type: 'string', default: 'http://127.0.0.1:7001' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help || values.rate === undefined || values.duration === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (values.zone && values.gateway) {
    console.error('--zone and --gateway are exclusive');
    return 2;
  }
  let targetUrl = values.url as string | undefined;
  if (!targetUrl) {
    const target: LoadTarget = values.zone ? { zone: String(values.zone) } : 'gateway';
    try {
      const res = await fetch(`${values.monitor}/state`, { signal: AbortSignal.timeout(3_000) });
      targetUrl = resolveTarget(await res.json(), target);
    } catch (err) {
      console.error(`cannot find the target from ${values.monitor}/state: ${(err as Error).message}`);
      return 2;
    }
  }
  let run: ReturnType<typeof startLoad>;
  try {
    run = startLoad({
      targetUrl,
      rate: Number(values.rate),
      durationS: Number(values.duration),
      path: String(values.path),
      onProgress: (p) => console.log(progressLine(p)),
    });
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  console.log(`load: ${values.rate} req/s for ${values.duration} s → ${targetUrl}${values.path}`);
  process.once('SIGINT', () => run.stop());
  const s = await run.done;
  for (const l of summaryLines(s)) console.log(l);
  return s.errors > 0 ? 1 : 0;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
