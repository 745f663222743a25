/**
 * The user's-own-service figures of issue 13 (run by hand: `bun run bench:service`, or
 * `bun bench/service/run.ts freshness|reaction` for one case): (1) metric freshness — the age of
 * the newest agent and balancer sample the leader reads when it decides, p99 over DECISIONS (60)
 * decisions, with the HTTP bus and with Kafka (`freshness.ts`); (2) scale-out reaction on `rps` for
 * the Python example — load step to a new server serving (`reaction.ts`). Both run the Python example
 * on the process runtime at the bench timings, printed beside the dev defaults. Prints each figure
 * beside its target and peers, writes `bench/results/service.json` (a single case writes
 * `service-<case>.json`), and its last line is the headline. Stops all it starts, also on failure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../server/dev/cluster.ts';
import { describeTimings } from '../../server/dev/timings.ts';
import { secs } from '../support/cluster-probe.ts';
import { FRESHNESS_PEERS, type FreshnessFigure, freshnessLine, measureFreshness } from './freshness.ts';
import { measureReaction, REACTION_PEERS, type ReactionFigure } from './reaction.ts';
import { SERVICE_BENCH_ARGS } from './service-cluster.ts';

const CASES = ['freshness', 'reaction'] as const;
const only = process.argv[2];
if (only !== undefined && !CASES.includes(only as (typeof CASES)[number])) {
  console.error(`usage: bun bench/service/run.ts [${CASES.join('|')}]`);
  process.exit(2);
}
const runs = (c: (typeof CASES)[number]) => only === undefined || only === c;

console.log('service bench: the Python example (examples/python-cpu) on the process runtime');
console.log(`  bench timings: ${SERVICE_BENCH_ARGS.join(' ')}`);
console.log(`  dev defaults (bun run dev): ${describeTimings()}`);
console.log('  agent and balancer samples: every 1 s (their defaults, the same in dev)');

let freshness: FreshnessFigure[] | null = null;
let reaction: ReactionFigure | null = null;
if (runs('freshness')) {
  freshness = [await measureFreshness('http'), await measureFreshness('kafka')];
  console.log(`  freshness peers: ${FRESHNESS_PEERS}`);
}
if (runs('reaction')) {
  reaction = await measureReaction();
  console.log(`  reaction peers: ${REACTION_PEERS}`);
}

mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
const file = only === undefined ? 'service.json' : `service-${only}.json`;
writeFileSync(
  join(REPO_ROOT, 'bench', 'results', file),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      benchTimings: SERVICE_BENCH_ARGS,
      freshness,
      reaction,
      peers: { freshness: FRESHNESS_PEERS, reaction: REACTION_PEERS },
    },
    null,
    2,
  )}\n`,
);
const head: string[] = [];
if (freshness) head.push(`freshness ${freshness.map(freshnessLine).join(' | ')}`);
if (reaction)
  head.push(
    `rps scale-out ${secs(reaction.median)} median / ${secs(reaction.max)} max (≤ ${secs(reaction.targetMs)} ${reaction.met ? 'met' : 'MISSED'})`,
  );
console.log(`service: ${head.join(' ; ')}`);
