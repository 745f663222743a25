/**
 * The balancer benchmark's knobs, read once from the environment (`benchConfig(process.env)`),
 * each with its default. A value that is not a positive number stops the run with a message.
 * The default run (3 rounds of 8 s + 2 s warm-up per measurement, then the 10,000-connection,
 * backend-killed and abuse sections) takes about 17 minutes on 2 cores; the quick variant in the
 * README about 2.
 */

/** Every knob; durations in seconds, memory in MiB. */
export interface BenchConfig {
  /** `BENCH_SECONDS`: each measured wrk run. */
  SECONDS: number;
  /** `BENCH_ROUNDS`: interleaved rounds, each figure is their median. */
  ROUNDS: number;
  /** `BENCH_WARMUP_SECONDS`: wrk before each measurement (0 = none). */
  WARMUP_SECONDS: number;
  /** `BENCH_KEEPALIVE_CONNECTIONS`: the many-keep-alive-connections workload. */
  KEEPALIVE_CONNECTIONS: number;
  /** `BENCH_MANY_CONNECTIONS`, `BENCH_MANY_SECONDS`: connections held on the balancer, and how long. */
  MANY_CONNECTIONS: number;
  MANY_SECONDS: number;
  /** `BENCH_ABUSE_SECONDS`, `BENCH_SLOW_CLIENTS`: the slow-upload run (beside 64 normal clients). */
  ABUSE_SECONDS: number;
  SLOW_CLIENTS: number;
  /** `BENCH_PIPELINE_CLIENTS`, `BENCH_PIPELINE_REQUESTS`, `BENCH_PIPELINE_SECONDS`: the flood. */
  PIPELINE_CLIENTS: number;
  PIPELINE_REQUESTS: number;
  PIPELINE_SECONDS: number;
  /** `BENCH_PIPELINE_RSS_BOUND_MB`: the stated bound of the balancer's RSS under the flood. */
  PIPELINE_RSS_BOUND_MB: number;
  /**
   * `BENCH_STEAL_LIMIT_PCT`, `BENCH_STEAL_RETRIES`: a throughput run during which the machine's
   * steal time was over the limit (%) is measured again, up to the retries (0 = never); the run
   * with the least steal counts (`stats.ts quietest`).
   */
  STEAL_LIMIT_PCT: number;
  STEAL_RETRIES: number;
  /** `BENCH_SECTIONS`: comma list of `throughput`, `many`, `killed`, `abuse`. */
  SECTIONS: ReadonlySet<string>;
  /** `BENCH_WORKLOADS`: comma list of workload keys (`get50,post1k,get64k,get64kNode,get1m,chunked2k,close,conns1000`); all by default. */
  WORKLOADS: ReadonlySet<string> | null;
  /**
   * `BENCH_TARGETS`: comma list of `direct`, `haproxy`, `nginx`, `strategies` (the balancer's other
   * strategies); all by default. HAProxy and the round-robin balancer always run (the ratios need them).
   */
  TARGETS: ReadonlySet<string>;
}

const SECTION_NAMES = ['throughput', 'many', 'killed', 'abuse'];
const WORKLOAD_KEYS = ['get50', 'post1k', 'get64k', 'get64kNode', 'get1m', 'chunked2k', 'close', 'conns1000'];
const TARGET_NAMES = ['direct', 'haproxy', 'nginx', 'strategies'];

/** The comma list `env[name]` as a set, each item checked against `known`; `fallback` when unset. */
function listOf(
  env: Record<string, string | undefined>,
  name: string,
  what: string,
  known: readonly string[],
  fallback: string,
): Set<string> {
  const items = (env[name] ?? fallback).split(',').map((s) => s.trim());
  for (const s of items)
    if (!known.includes(s)) throw new Error(`${name}: unknown ${what} "${s}" (${known.join(', ')})`);
  return new Set(items);
}

/** Reads the knobs from `env`. @throws Error naming a knob whose value is not a number ≥ its minimum, or an unknown section, workload or target. */
export function benchConfig(env: Record<string, string | undefined>): BenchConfig {
  const num = (name: string, fallback: number, min = 1) => {
    const v = Number(env[name] ?? fallback);
    if (!Number.isFinite(v) || v < min) throw new Error(`${name}=${env[name]}: must be a number >= ${min}`);
    return v;
  };
  return {
    SECONDS: num('BENCH_SECONDS', 8),
    ROUNDS: Math.round(num('BENCH_ROUNDS', 3)),
    WARMUP_SECONDS: num('BENCH_WARMUP_SECONDS', 2, 0),
    KEEPALIVE_CONNECTIONS: num('BENCH_KEEPALIVE_CONNECTIONS', 1000),
    MANY_CONNECTIONS: num('BENCH_MANY_CONNECTIONS', 10_000),
    MANY_SECONDS: num('BENCH_MANY_SECONDS', 30),
    ABUSE_SECONDS: num('BENCH_ABUSE_SECONDS', 60),
    SLOW_CLIENTS: num('BENCH_SLOW_CLIENTS', 64),
    PIPELINE_CLIENTS: num('BENCH_PIPELINE_CLIENTS', 64),
    PIPELINE_REQUESTS: num('BENCH_PIPELINE_REQUESTS', 400),
    PIPELINE_SECONDS: num('BENCH_PIPELINE_SECONDS', 10),
    PIPELINE_RSS_BOUND_MB: num('BENCH_PIPELINE_RSS_BOUND_MB', 256),
    STEAL_LIMIT_PCT: num('BENCH_STEAL_LIMIT_PCT', 5, 0),
    STEAL_RETRIES: Math.round(num('BENCH_STEAL_RETRIES', 2, 0)),
    SECTIONS: listOf(env, 'BENCH_SECTIONS', 'section', SECTION_NAMES, SECTION_NAMES.join(',')),
    WORKLOADS: env.BENCH_WORKLOADS ? listOf(env, 'BENCH_WORKLOADS', 'workload', WORKLOAD_KEYS, '') : null,
    TARGETS: listOf(env, 'BENCH_TARGETS', 'target', TARGET_NAMES, TARGET_NAMES.join(',')),
  };
}

/** This run's knobs. */
export const BENCH: BenchConfig = benchConfig(process.env);
