/** HTTP push publisher: request shape, batching after failures, the bounded buffer, never throwing. */
import { describe, expect, test } from 'bun:test';
import type { Sample } from '../../shared/types.ts';
import { HttpMetricsPublisher } from './metrics-bus-http.ts';

const s = (ts: number): Sample => ({
  serverId: 'zone1-app-1',
  zone: 'zone1',
  ts,
  source: 'app',
  cpu: 5,
  memoryMb: 50,
  throughput: 1,
  healthy: true,
  scenario: 'off',
});

/** A fake collector: answers with `status()` (or throws when it returns 'down') and records bodies. */
function fakeCollector(status: () => number | 'down') {
  const calls: { url: string; auth: string | null; samples: Sample[] }[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    const st = status();
    if (st === 'down') throw new Error('connection refused');
    const body = JSON.parse(String(init.body)) as { samples: Sample[] };
    calls.push({ url, auth: new Headers(init.headers).get('authorization'), samples: body.samples });
    return new Response('{}', { status: st });
  };
  return { calls, fetch };
}

describe('HttpMetricsPublisher', () => {
  test('posts {samples} to <collector>/samples with the cluster token', async () => {
    const c = fakeCollector(() => 200);
    const p = new HttpMetricsPublisher({
      collector: 'http://127.0.0.1:1/',
      token: 't'.repeat(16),
      fetch: c.fetch,
    });
    p.publish(s(1));
    await p.settled();
    expect(c.calls).toEqual([
      { url: 'http://127.0.0.1:1/samples', auth: `Bearer ${'t'.repeat(16)}`, samples: [s(1)] },
    ]);
    expect(p.pending()).toBe(0);
    expect(p.stats.sent).toBe(1);
  });

  test('keeps samples while the collector is down and sends them as one batch on the next flush', async () => {
    let up = false;
    const c = fakeCollector(() => (up ? 200 : 'down'));
    const p = new HttpMetricsPublisher({
      collector: 'http://127.0.0.1:1',
      token: 'x'.repeat(16),
      fetch: c.fetch,
    });
    for (const ts of [1, 2, 3]) {
      p.publish(s(ts));
      await p.settled();
    }
    expect(p.pending()).toBe(3);
    expect(p.stats.failures).toBe(3);
    up = true;
    p.publish(s(4));
    await p.settled();
    expect(c.calls).toHaveLength(1);
    expect(c.calls[0]?.samples.map((x) => x.ts)).toEqual([1, 2, 3, 4]);
    expect(p.pending()).toBe(0);
  });

  test('the buffer is bounded: the oldest samples are dropped first and counted', async () => {
    const c = fakeCollector(() => 503);
    const p = new HttpMetricsPublisher({
      collector: 'http://127.0.0.1:1',
      token: 'x'.repeat(16),
      fetch: c.fetch,
      maxBuffered: 3,
    });
    for (const ts of [1, 2, 3, 4, 5]) {
      p.publish(s(ts));
      await p.settled();
    }
    expect(p.pending()).toBe(3);
    expect(p.stats.dropped).toBe(2);
    await p.close();
    expect(c.calls.at(-1)?.samples.map((x) => x.ts)).toEqual([3, 4, 5]);
  });

  test('a batch the collector refuses as malformed is dropped, not retried forever', async () => {
    const c = fakeCollector(() => 400);
    const p = new HttpMetricsPublisher({
      collector: 'http://127.0.0.1:1',
      token: 'x'.repeat(16),
      fetch: c.fetch,
    });
    p.publish(s(1));
    await p.settled();
    expect(p.pending()).toBe(0);
    expect(p.stats.rejected).toBe(1);
  });

  test('publish never throws, even when fetch throws synchronously', async () => {
    const p = new HttpMetricsPublisher({
      collector: 'http://127.0.0.1:1',
      token: 'x'.repeat(16),
      fetch: () => {
        throw new Error('boom');
      },
    });
    expect(() => p.publish(s(1))).not.toThrow();
    await p.settled();
    expect(p.pending()).toBe(1);
  });

  test('publish after close is ignored', async () => {
    const c = fakeCollector(() => 200);
    const p = new HttpMetricsPublisher({
      collector: 'http://127.0.0.1:1',
      token: 'x'.repeat(16),
      fetch: c.fetch,
    });
    await p.close();
    p.publish(s(1));
    await p.settled();
    expect(c.calls).toHaveLength(0);
  });
});
