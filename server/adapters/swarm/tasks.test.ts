/** `silentWorker` and `newest` of `tasks.ts`, table-driven: when a task's node counts as not answering. */
import { describe, expect, test } from 'bun:test';
import { newest, ranAndExited, silentWorker, type TaskInfo } from './tasks.ts';

const T0 = Date.parse('2026-12-01T20:00:00.000Z');
const task = (state: string, atMs: number | null, nodeId: string | undefined = 'n2'): TaskInfo => ({
  ID: 't',
  ServiceID: 's',
  NodeID: nodeId,
  Status: { State: state, ...(atMs === null ? {} : { Timestamp: new Date(atMs).toISOString() }) },
});

describe('silentWorker', () => {
  const cases: [string, TaskInfo | undefined, number, number, boolean][] = [
    ['assigned 8 s ago, watched 8 s: the engine does not answer', task('assigned', T0), T0 + 8_000, T0, true],
    ['assigned 7.9 s ago: not yet', task('assigned', T0), T0 + 7_900, T0, false],
    [
      'assigned long ago, but watched only 2 s: not yet',
      task('assigned', T0 - 60_000),
      T0 + 2_000,
      T0,
      false,
    ],
    ['no timestamp: timed from when first seen', task('assigned', null), T0 + 9_000, T0, true],
    [
      'accepted (the engine acknowledged) for 20 s: slow, not silent',
      task('accepted', T0),
      T0 + 20_000,
      T0,
      false,
    ],
    ['preparing for 20 s (pulling): not silent', task('preparing', T0), T0 + 20_000, T0, false],
    [
      'pending (no node chosen yet): not a node’s fault',
      task('pending', T0, undefined),
      T0 + 20_000,
      T0,
      false,
    ],
    ['running: not silent', task('running', T0), T0 + 20_000, T0, false],
    ['no task yet', undefined, T0 + 20_000, T0, false],
  ];
  for (const [name, t, now, since, want] of cases)
    test(name, () => {
      expect(silentWorker(t, now, since)).toBe(want);
    });

  test('the silence is configurable', () => {
    expect(silentWorker(task('assigned', T0), T0 + 1_000, T0, 1_000)).toBe(true);
    expect(silentWorker(task('assigned', T0), T0 + 999, T0, 1_000)).toBe(false);
  });
});

describe('newest', () => {
  test('picks the latest creation time, undefined for none', () => {
    const at = (id: string, CreatedAt: string): TaskInfo => ({ ID: id, ServiceID: 's', CreatedAt });
    expect(
      newest([
        at('a', '2026-12-01T20:00:01Z'),
        at('b', '2026-12-01T20:00:03Z'),
        at('c', '2026-12-01T20:00:02Z'),
      ])?.ID,
    ).toBe('b');
    expect(newest([])).toBeUndefined();
  });
});

describe('ranAndExited', () => {
  const ended = (State: string, Err?: string): TaskInfo => ({
    ID: 't',
    ServiceID: 's',
    Status: { State, Err },
  });
  test.each([
    ['complete', undefined, true],
    ['failed', 'task: non-zero exit (3)', true],
    ['rejected', 'No such image: acme/shop:1', false],
    ['failed', 'starting container failed: exec: "serve": executable file not found in $PATH', false],
    ['running', undefined, false],
  ])('%s %p: %p', (state, err, want) => {
    expect(ranAndExited(ended(state, err))).toBe(want);
  });
  test('no task', () => expect(ranAndExited(undefined)).toBe(false));
});
