/** The lines `bun run dev` prints while it follows the cluster, with a fixed clock format. */
import { expect, test } from 'bun:test';
import type { ClusterEvent } from '../shared/types.ts';
import { eventLine, leaderLine } from './event-lines.ts';

const time = (ms: number) => `t${ms}`;

test.each([
  [
    'a new leader is stamped with the time it took over, not the time it was seen',
    { id: 2, url: 'http://127.0.0.1:7002', term: 3, since: 1_000 },
    '  t1000  leader is now monitor 2 (term 3)',
  ],
  [
    'no leader says an election is under way, at the time it was seen',
    null,
    '  t5000  no leader: an election is under way',
  ],
])('%s', (_name, leader, line) => {
  expect(leaderLine(leader, 5_000, time)).toBe(line);
});

test.each([
  ['a zone event', 'zone1', '  t900  scale-up         zone1  AboveHighThreshold: 1 -> 2 replicas'],
  ['a cluster event (no zone)', null, '  t900  scale-up                AboveHighThreshold: 1 -> 2 replicas'],
])('%s keeps the columns', (_name, zone, line) => {
  const e = {
    id: 'e1',
    ts: 900,
    kind: 'scale-up',
    zone,
    reason: 'AboveHighThreshold',
    message: '1 -> 2 replicas',
  };
  expect(eventLine(e as ClusterEvent, time)).toBe(line);
});
