import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { BadLoadOptions, type LoadProgress, startLoad } from './run.ts';

let server: ReturnType<typeof Bun.serve>;
let hits = 0;
beforeAll(() => {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      hits += 1;
      const u = new URL(req.url);
      if (u.pathname === '/fail') return new Response('no', { status: 503 });
      if (u.pathname === '/slow') return Bun.sleep(2_000).then(() => new Response('late'));
      return Response.json({ ok: true });
    },
  });
});
afterAll(() => server.stop(true));

describe('a bounded load run', () => {
  test('sends rate times duration requests to the target and summarizes them', async () => {
    hits = 0;
    const progress: LoadProgress[] = [];
    const run = startLoad({
      targetUrl: `http://127.0.0.1:${server.port}`,
      path: '/ok',
      rate: 40,
      durationS: 1.5,
      onProgress: (p) => progress.push(p),
    });
    const s = await run.done;
    expect(s.sent).toBe(60);
    expect(hits).toBe(60);
    expect(s.ok).toBe(60);
    expect(s.errors).toBe(0);
    expect(s.outcomes['200']).toBe(60);
    expect(s.running).toBe(false);
    expect(s.p50).not.toBeNull();
    expect(s.elapsedS).toBeGreaterThanOrEqual(1.4);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]!.ok).toBeGreaterThan(20);
  });

  test('5xx answers and refused connections count as errors', async () => {
    const s = await startLoad({
      targetUrl: `http://127.0.0.1:${server.port}`,
      path: '/fail',
      rate: 20,
      durationS: 0.5,
    }).done;
    expect(s.errors).toBe(10);
    expect(s.outcomes['503']).toBe(10);
    const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
    const port = closed.port;
    await closed.stop(true);
    const refused = await startLoad({ targetUrl: `http://127.0.0.1:${port}`, rate: 10, durationS: 0.3 }).done;
    expect(refused.errors).toBe(refused.sent);
    expect(refused.outcomes['connection-error']).toBe(refused.sent);
  });

  test('stop ends the run early and aborts what is in flight', async () => {
    const run = startLoad({
      targetUrl: `http://127.0.0.1:${server.port}`,
      path: '/slow',
      rate: 10,
      durationS: 30,
    });
    await Bun.sleep(300);
    expect(run.status().running).toBe(true);
    run.stop();
    const s = await run.done;
    expect(s.stoppedEarly).toBe(true);
    expect(s.sent).toBeLessThan(10);
    expect(s.errors).toBe(0);
    expect(s.outcomes.aborted).toBe(s.sent);
  });

  test.each([
    [{ rate: 1000, durationS: 1, targetUrl: 'http://127.0.0.1:1' }, 'rate'],
    [{ rate: 1, durationS: 1000, targetUrl: 'http://127.0.0.1:1' }, 'duration'],
    [{ rate: 1, durationS: 1, targetUrl: 'http://192.168.1.1:80' }, 'loopback'],
    [{ rate: 1, durationS: 1, targetUrl: 'http://127.0.0.1:1', path: 'x' }, 'path'],
  ])('refuses %o naming the %s', (opts, what) => {
    expect(() => startLoad(opts)).toThrow(BadLoadOptions);
    expect(() => startLoad(opts)).toThrow(what);
  });
});
