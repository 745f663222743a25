/**
 * Requests per second from the balancers' Prometheus counters: summing `balancer_requests_total`
 * samples, the rate between two readings, and a restarted counter or a missing reading.
 */
import { describe, expect, test } from 'bun:test';
import { RequestRates, sumRequestsTotal } from './request-rate.ts';

describe('request rates from Prometheus counters', () => {
  test('every balancer_requests_total sample is summed, other metrics ignored', () => {
    const text = [
      '# HELP balancer_requests_total x',
      '# TYPE balancer_requests_total counter',
      'balancer_requests_total{status="200",upstream="http://127.0.0.1:9101",zone="zone1"} 120',
      'balancer_requests_total{status="503",upstream="none",zone="zone1"} 3',
      'balancer_retries_total{upstream="u",zone="zone1"} 9',
    ].join('\n');
    expect(sumRequestsTotal(text)).toBe(123);
    expect(sumRequestsTotal('# nothing\n')).toBeNull();
    expect(
      sumRequestsTotal('# HELP balancer_requests_total x\n# TYPE balancer_requests_total counter\n'),
    ).toBe(0);
  });

  test('the rate is the growth between two readings per second', () => {
    const r = new RequestRates();
    expect(r.observe('zone1', 100, 10_000)).toBeNull();
    expect(r.observe('zone1', 150, 11_000)).toBe(50);
    expect(r.observe('zone1', 150, 11_200)).toBe(50);
    expect(r.observe('zone1', 170, 13_000)).toBe(10);
  });

  test('a counter that went down (restart) or a missing reading restarts the series', () => {
    const r = new RequestRates();
    r.observe('zone1', 100, 0);
    expect(r.observe('zone1', 5, 1_000)).toBeNull();
    expect(r.observe('zone1', 25, 2_000)).toBe(20);
    expect(r.observe('zone1', null, 3_000)).toBeNull();
    expect(r.observe('zone1', 30, 4_000)).toBeNull();
  });
});
