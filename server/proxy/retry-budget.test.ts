/** The retry budget: a share of recent requests, a floor for quiet zones, and a sliding window. */
import { describe, expect, test } from 'bun:test';
import { processRetryBudget, RetryBudget } from './retry-budget.ts';

function allowedAfter(requests: number, opts = {}): number {
  const b = new RetryBudget(opts);
  for (let i = 0; i < requests; i++) b.recordRequest(1_000);
  let n = 0;
  while (b.tryRetry(1_000) && n < 10_000) n++;
  return n;
}

describe('retry budget', () => {
  test.each([
    { requests: 0, allowed: 3 },
    { requests: 10, allowed: 3 },
    { requests: 100, allowed: 20 },
    { requests: 1_000, allowed: 200 },
  ])(
    'after $requests requests in the window $allowed retries are allowed (20 %, floor 3)',
    ({ requests, allowed }) => {
      expect(allowedAfter(requests)).toBe(allowed);
    },
  );

  test('the percentage and the floor are configurable', () => {
    expect(allowedAfter(100, { percent: 50, minRetries: 0 })).toBe(50);
    expect(allowedAfter(100, { percent: 0, minRetries: 0 })).toBe(0);
  });

  test('requests and retries older than the window stop counting', () => {
    const b = new RetryBudget({ windowMs: 10_000, minRetries: 0 });
    for (let i = 0; i < 100; i++) b.recordRequest(0);
    for (let i = 0; i < 20; i++) expect(b.tryRetry(0)).toBe(true);
    expect(b.tryRetry(5_000)).toBe(false);
    expect(b.counts(5_000)).toEqual({ requests: 100, retries: 20 });
    expect(b.counts(10_500)).toEqual({ requests: 0, retries: 0 });
    expect(b.tryRetry(10_500)).toBe(false);
    for (let i = 0; i < 10; i++) b.recordRequest(10_500);
    expect(b.tryRetry(10_500)).toBe(true);
    expect(b.tryRetry(10_500)).toBe(true);
    expect(b.tryRetry(10_500)).toBe(false);
  });

  test('a long idle gap clears the whole window', () => {
    const b = new RetryBudget({ minRetries: 0 });
    for (let i = 0; i < 50; i++) b.recordRequest(0);
    expect(b.counts(3_600_000)).toEqual({ requests: 0, retries: 0 });
  });
});

describe('processRetryBudget', () => {
  test('the same settings give the process one shared budget; other settings another', () => {
    const a = processRetryBudget({ percent: 7, windowMs: 1_234 });
    expect(processRetryBudget({ percent: 7, windowMs: 1_234 })).toBe(a);
    expect(processRetryBudget({ percent: 8, windowMs: 1_234 })).not.toBe(a);
  });
});
