/** The policy words of the overview tiles and the policy summary, for every kind. */
import { describe, expect, test } from 'bun:test';
import {
  HPA_DEFAULT_TARGET_POLICY,
  KNATIVE_DEFAULT_CONCURRENCY_POLICY,
  thresholdPolicy,
} from '../../test/support/policies.ts';
import { policyCore } from './policy-text.ts';

describe('policyCore', () => {
  test.each([
    ['threshold', thresholdPolicy({ highCpu: 60, lowCpu: 20 }), 'up > 60 % · down < 20 %'],
    ['target on CPU alone', HPA_DEFAULT_TARGET_POLICY, 'target 50 % ± 10 %'],
    [
      'target on several metrics',
      {
        ...HPA_DEFAULT_TARGET_POLICY,
        metrics: [
          { name: 'cpu' as const, target: 60 },
          { name: 'rps' as const, target: 50 },
          { name: 'p95-latency' as const, target: 200 },
        ],
      },
      'cpu 60 % · rps 50 req/s · p95-latency 200 ms ± 10 %',
    ],
    [
      'concurrency',
      KNATIVE_DEFAULT_CONCURRENCY_POLICY,
      'concurrency 10 / server · panic 200 % over 6 s · stable 60 s',
    ],
  ])('%s', (_case, policy, line) => {
    expect(policyCore(policy)).toBe(line);
  });
});
