/**
 * The chaos run's schedule as a pure function of a seed: every `minGapMs`–`maxGapMs` one kill (an
 * app server, a zone balancer or the leader monitor, weighted 50/25/25 %), from `startMs` until
 * `durationMs`, plus one registry (Redis) restart near the middle when asked. A seeded mulberry32
 * generator makes a run repeatable: the same seed gives the same schedule (which concrete app or
 * zone is hit is drawn from `pick`, also seeded).
 */
import { mulberry32 } from '../../server/shared/random.ts';

/** What to kill. */
export type ChaosKind = 'app' | 'balancer' | 'leader' | 'redis-restart';

/** One planned action, `at` ms after the start, with a pick in [0, 1) to choose the target. */
export interface ChaosAction {
  at: number;
  kind: ChaosKind;
  pick: number;
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
