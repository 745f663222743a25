/**
 * Tests of the failover choice: the dashboard never reconnects to the monitor that just failed
 * while another exists, rotates through the replicas, and prefers healthy ones.
 */
import { expect, test } from 'bun:test';
import type { MonitorView } from '../../server/shared/types.ts';
import { nextSource, originOf } from './monitor-rotation.ts';

const m = (id: number, status: MonitorView['status'] = 'follower'): MonitorView => ({
  id,
  url: `http://127.0.0.1:1700${id}`,
  status,
});
const url = (id: number) => `http://127.0.0.1:1700${id}`;
const NOW = 1_000_000;

test.each([
  {
    name: 'the next id after the failed one is chosen',
    failed: 1,
    monitors: [m(1), m(2), m(3)],
    failures: {},
    want: url(2),
  },
  {
    name: 'the rotation wraps around after the highest id',
    failed: 3,
    monitors: [m(3), m(1), m(2)],
    failures: {},
    want: url(1),
  },
  {
    name: 'a monitor reported down is skipped when a live one exists',
    failed: 1,
    monitors: [m(1), m(2, 'down'), m(3)],
    failures: {},
    want: url(3),
  },
  {
    name: 'a monitor that failed recently is skipped when another exists',
    failed: 2,
    monitors: [m(1), m(2), m(3)],
    failures: { [url(3)]: NOW - 2000 },
    want: url(1),
  },
  {
    name: 'an old failure no longer counts against a monitor',
    failed: 2,
    monitors: [m(1), m(2), m(3)],
    failures: { [url(3)]: NOW - 60_000 },
    want: url(3),
  },
  {
    name: 'a down monitor is still tried when it is the only other one',
    failed: 1,
    monitors: [m(1), m(2, 'down')],
    failures: {},
    want: url(2),
  },
])('$name', ({ failed, monitors, failures, want }) => {
  expect(nextSource(monitors, { url: url(failed), id: failed }, failures, NOW).url).toBe(want);
});

test('the failed monitor is skipped by id even when the page used another host name for it', () => {
  const next = nextSource([m(1), m(2)], { url: 'http://localhost:17001', id: 1 }, {}, NOW, [
    'http://localhost:17001',
  ]);
  expect(next).toEqual({ url: url(2), id: 2 });
});

test('with no other monitor known, the failed one is retried', () => {
  expect(nextSource([], { url: url(1), id: null }, {}, NOW)).toEqual({ url: url(1), id: null });
});

test('extra origins are used when the state lists no other monitor', () => {
  expect(nextSource([m(1)], { url: url(1), id: 1 }, {}, NOW, ['http://127.0.0.1:17009/'])).toEqual({
    url: 'http://127.0.0.1:17009',
    id: null,
  });
});

test('originOf strips paths and leaves non-URLs alone', () => {
  expect(originOf('http://127.0.0.1:7001/events')).toBe('http://127.0.0.1:7001');
  expect(originOf('not a url')).toBe('not a url');
});
