import { describe, expect, test } from 'bun:test';
import { RecentRequests } from './recent-requests.ts';

const req = (t: number) => ({ t, method: 'GET', path: `/work?ms=${t}`, status: 200, ms: 1 });

describe('the recent-requests ring buffer', () => {
  test('returns the requests newer than a time, oldest first', () => {
    const r = new RecentRequests(10);
    for (const t of [1, 2, 3, 4]) r.record(req(t));
    expect(r.since(2).map((x) => x.t)).toEqual([3, 4]);
    expect(r.since(0)).toHaveLength(4);
  });

  test('keeps only the newest `capacity` requests', () => {
    const r = new RecentRequests(3);
    for (let t = 1; t <= 7; t++) r.record(req(t));
    expect(r.since(0).map((x) => x.t)).toEqual([5, 6, 7]);
  });
});
