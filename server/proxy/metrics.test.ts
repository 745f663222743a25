import { describe, expect, test } from 'bun:test';
import { Pools } from './lb/pools.ts';
import { createBalancerMetrics } from './metrics.ts';

/** The value of sample `name{labels}` in a Prometheus text page (label order free), NaN when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const l of text.split('\n')) {
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(l);
    if (m?.[1] === name && (m[2] ?? '').split(',').sort().join(',') === want) return Number(m[3]);
  }
  return Number.NaN;
}

const pools = () => new Pools({ checkIntervalMs: 1, recheckIntervalMs: 1, deadAfter: 3 });

describe('balancer metrics', () => {
  test('observed requests reach the counters and the latency histogram at scrape time, cumulatively', async () => {
    const m = createBalancerMetrics(pools(), 'z');
    for (const ms of [0.5, 2, 2, 30, 20_000]) m.observe(200, 'http://u', ms);
    m.observe(502, 'none', 3);
    let text = await m.registry.metrics();
    const req = (status: string, upstream: string) =>
      sample(text, 'balancer_requests_total', { status, upstream, zone: 'z' });
    expect(req('200', 'http://u')).toBe(5);
    expect(req('502', 'none')).toBe(1);
    const bucket = (le: string, cls: string) =>
      sample(text, 'balancer_request_duration_seconds_bucket', { le, zone: 'z', status_class: cls });
    expect([
      bucket('0.001', '2xx'),
      bucket('0.0025', '2xx'),
      bucket('0.05', '2xx'),
      bucket('10', '2xx'),
    ]).toEqual([1, 3, 4, 4]);
    expect(bucket('+Inf', '2xx')).toBe(5);
    expect(bucket('0.005', '5xx')).toBe(1);
    expect(bucket('0.0025', '5xx')).toBe(0);
    const sum = sample(text, 'balancer_request_duration_seconds_sum', { zone: 'z', status_class: '2xx' });
    expect(sum).toBeCloseTo(20.0345, 6);
    expect(text).toContain('# TYPE balancer_request_duration_seconds histogram');
    m.observe(200, 'http://u', 0.2);
    text = await m.registry.metrics();
    expect(sample(text, 'balancer_request_duration_seconds_count', { zone: 'z', status_class: '2xx' })).toBe(
      6,
    );
    expect(bucket('0.001', '2xx')).toBe(2);
    expect(req('200', 'http://u')).toBe(6);
  });

  test('the JSON view and a registry reset see the same figures', async () => {
    const m = createBalancerMetrics(pools(), 'z');
    m.observe(404, 'http://u', 4);
    const json = await m.registry.getMetricsAsJSON();
    const latency = json.find((x) => x.name === 'balancer_request_duration_seconds');
    const count = latency?.values.find(
      (v) => (v as { metricName?: string }).metricName === 'balancer_request_duration_seconds_count',
    );
    expect(count?.value).toBe(1);
    expect(count?.labels).toEqual({ status_class: '4xx', zone: 'z' });
    m.registry.resetMetrics();
    const after = await m.registry.metrics();
    expect(after).not.toContain('balancer_request_duration_seconds_count');
    expect(after).toContain('# TYPE balancer_request_duration_seconds histogram');
  });
});
