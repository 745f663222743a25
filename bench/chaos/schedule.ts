/**
 * The chaos run's schedule as a pure function of a seed: every `minGapMs`–`maxGapMs` one kill (an
 * app server, a zone balancer or the leader monitor, weighted 50/25/25 %), from `startMs` until
 * `durationMs`, plus one registry (Redis) restart near the middle when asked. A seeded mulberry32
 * generator makes a run repeatable: the same seed gives the same schedule (which concrete app or
 * zone is hit is drawn from `pick`, also seeded).
 */

/** What to kill. */
export type ChaosKind = 'app' | 'balancer' | 'leader' | 'redis-restart';

/** One planned action, `at` ms after the start, with a pick in [0, 1) to choose the target. */
export interface ChaosAction {
  at: number;
  kind: ChaosKind;
  pick: number;
}

/** mulberry32: a small, fast, seeded PRNG returning [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The schedule for `seed`, sorted by `at`. */
export function chaosSchedule(opts: {
  seed: number;
  durationMs: number;
  startMs?: number;
  minGapMs?: number;
  maxGapMs?: number;
  redisRestart?: boolean;
}): ChaosAction[] {
  const rand = mulberry32(opts.seed);
  const min = opts.minGapMs ?? 3_000;
  const max = opts.maxGapMs ?? 6_000;
  const out: ChaosAction[] = [];
  for (let at = opts.startMs ?? 3_000; at < opts.durationMs; at += min + rand() * (max - min)) {
    const r = rand();
    const kind: ChaosKind = r < 0.5 ? 'app' : r < 0.75 ? 'balancer' : 'leader';
    out.push({ at: Math.round(at), kind, pick: rand() });
  }
  if (opts.redisRestart)
    out.push({ at: Math.round(opts.durationMs / 2 + 500), kind: 'redis-restart', pick: 0 });
  return out.sort((a, b) => a.at - b.at);
}
