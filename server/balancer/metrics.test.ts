import { describe, expect, test } from 'bun:test';
import { createBalancerMetrics } from './metrics.ts';
import { Pools } from './pools.ts';

const line = (text: string, prefix: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(prefix))
      ?.split(' ')
      .pop() ?? Number.NaN,
  );

describe('balancer metrics', () => {
  test('observed requests reach the counters and the latency histogram at scrape time, cumulatively', async () => {
    const m = createBalancerMetrics(
      new Pools({ checkIntervalMs: 1, recheckIntervalMs: 1, deadAfter: 3 }),
      'z',
    );
    for (const ms of [0.5, 2, 2, 30, 20_000]) m.observe(200, 'http://u', ms);
    m.observe(502, 'none', 3);
    let text = await m.registry.metrics();
    expect(line(text, 'balancer_requests_total{status="200",upstream="http://u"')).toBe(5);
    expect(line(text, 'balancer_requests_total{status="502",upstream="none"')).toBe(1);
    const bucket = (le: string, cls: string) =>
      line(text, `balancer_request_duration_seconds_bucket{le="${le}",zone="z",status_class="${cls}"}`);
    expect([
      bucket('0.001', '2xx'),
      bucket('0.0025', '2xx'),
      bucket('0.05', '2xx'),
      bucket('10', '2xx'),
    ]).toEqual([1, 3, 4, 4]);
    expect(bucket('+Inf', '2xx')).toBe(5);
    expect(bucket('0.005', '5xx')).toBe(1);
    expect(line(text, 'balancer_request_duration_seconds_sum{zone="z",status_class="2xx"}')).toBeCloseTo(
      20.0345,
      6,
    );
    m.observe(200, 'http://u', 0.2);
    text = await m.registry.metrics();
    expect(line(text, 'balancer_request_duration_seconds_count{zone="z",status_class="2xx"}')).toBe(6);
    expect(bucket('0.001', '2xx')).toBe(2);
    expect(line(text, 'balancer_requests_total{status="200",upstream="http://u"')).toBe(6);
  });
});
