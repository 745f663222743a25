/**
 * `POST /activate` with `app.request` over a fake election and a fake duty: the token (401), the
 * body and the zone (400), a follower's 421 naming the leader, and the leader's answers (202 while
 * activating, 200 when the zone already has a server) with the duty called once per accepted call.
 */
import { describe, expect, test } from 'bun:test';
import { createApi } from '../../shared/api.ts';
import type { ElectionStatus } from '../election/elector.ts';
import { type ActivateResult, mountActivateRoute } from './activate-route.ts';

const TOKEN = 'activate-route-token-0123456789';
const auth = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };

function setup(status: ElectionStatus, result: ActivateResult['state'] = 'activating') {
  const calls: [string, number][] = [];
  const app = createApi();
  mountActivateRoute(app, {
    token: TOKEN,
    zones: ['zone1', 'zone2'],
    election: { status: () => status },
    activate: async (zone, term) => {
      calls.push([zone, term]);
      return { zone, state: result, servers: result === 'active' ? 1 : 0 };
    },
  });
  const post = (body: unknown, headers: Record<string, string> = auth) =>
    app.request('http://localhost/activate', {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { post, calls };
}

const LEADER: ElectionStatus = {
  role: 'leader',
  term: 7,
  leader: { id: 3, url: 'http://127.0.0.1:7003', term: 7 },
};

describe('POST /activate', () => {
  test('without the cluster token it is 401 and the duty is not called', async () => {
    const { post, calls } = setup(LEADER);
    expect((await post({ zone: 'zone1' }, { 'content-type': 'application/json' })).status).toBe(401);
    const wrong = await post({ zone: 'zone1' }, { ...auth, authorization: `Bearer ${'y'.repeat(32)}` });
    expect(wrong.status).toBe(401);
    expect(calls).toEqual([]);
  });

  test.each([
    ['an unknown zone', { zone: 'zone9' }, 'zone9'],
    ['a malformed zone id', { zone: 'Zone 1' }, 'zone'],
    ['no zone', {}, 'zone'],
    ['an extra field', { zone: 'zone1', servers: 2 }, 'servers'],
  ])('%s is 400 naming the problem and the duty is not called', async (_name, body, names) => {
    const { post, calls } = setup(LEADER);
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain(names);
    expect(calls).toEqual([]);
  });

  test("a follower answers 421 with the leader's URL and does nothing", async () => {
    const { post, calls } = setup({ role: 'follower', term: 7, leader: LEADER.leader });
    const res = await post({ zone: 'zone1' });
    expect(res.status).toBe(421);
    expect(await res.json()).toMatchObject({ error: 'not_leader', leader: 'http://127.0.0.1:7003' });
    expect(calls).toEqual([]);
  });

  test('a candidate that knows no leader answers 421 with leader null', async () => {
    const { post } = setup({ role: 'candidate', term: 7, leader: null });
    const res = await post({ zone: 'zone1' });
    expect(res.status).toBe(421);
    expect(await res.json()).toMatchObject({ error: 'not_leader', leader: null });
  });

  test('the leader runs the duty with its term: 202 while activating, 200 when the zone has a server', async () => {
    const a = setup(LEADER);
    const res = await a.post({ zone: 'zone2' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ zone: 'zone2', state: 'activating', servers: 0 });
    expect(a.calls).toEqual([['zone2', 7]]);
    const b = setup(LEADER, 'active');
    const again = await b.post({ zone: 'zone2' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ zone: 'zone2', state: 'active', servers: 1 });
  });
});
