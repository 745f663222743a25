/** Retry rules: what is retried, how often, and on which servers. */
import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../http1/client/index.ts';
import {
  candidatesForTry,
  failedTryOutcome,
  isServerFailure,
  isTryTimeout,
  shouldRetry,
  type TryOutcome,
} from './retries.ts';

describe('shouldRetry', () => {
  const cases: [string, TryOutcome, number, boolean][] = [
    ['a connection failure on the first of three tries is retried', { kind: 'connect-failure' }, 1, true],
    ['a timeout on the second of three tries is retried', { kind: 'timeout' }, 2, true],
    ['a connection failure on the last try is not retried', { kind: 'connect-failure' }, 3, false],
    ['an upstream 500 is never retried', { kind: 'response', status: 500 }, 1, false],
    ['an upstream 503 is never retried', { kind: 'response', status: 503 }, 1, false],
    ['a 200 is not retried', { kind: 'response', status: 200 }, 1, false],
    ['a request the client abandoned is not retried', { kind: 'client-aborted' }, 1, false],
  ];
  for (const [name, outcome, done, expected] of cases) {
    test(name, () => expect(shouldRetry(outcome, done, 3)).toBe(expected));
  }

  test('with tries = 1 nothing is retried', () => {
    expect(shouldRetry({ kind: 'timeout' }, 1, 1)).toBe(false);
  });
});

describe('isServerFailure', () => {
  test('only connection failures and timeouts count against a server', () => {
    expect(isServerFailure({ kind: 'connect-failure' })).toBe(true);
    expect(isServerFailure({ kind: 'timeout' })).toBe(true);
    expect(isServerFailure({ kind: 'response', status: 502 })).toBe(false);
    expect(isServerFailure({ kind: 'client-aborted' })).toBe(false);
  });
});

describe('candidatesForTry', () => {
  const alive = ['a', 'b', 'c'];

  test('the first try may use every alive server', () => {
    expect(candidatesForTry(alive, new Set())).toEqual(alive);
  });

  test('each retry goes to a server not tried yet', () => {
    expect(candidatesForTry(alive, new Set(['a']))).toEqual(['b', 'c']);
    expect(candidatesForTry(alive, new Set(['a', 'b']))).toEqual(['c']);
  });

  test('three tries over three servers use three different servers', () => {
    const tried = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const next = candidatesForTry(alive, tried)[0] as string;
      expect(tried.has(next)).toBe(false);
      tried.add(next);
    }
    expect(tried.size).toBe(3);
  });

  test('when every alive server was tried, any alive server may be tried again', () => {
    expect(candidatesForTry(['a', 'b'], new Set(['a', 'b']))).toEqual(['a', 'b']);
  });

  test('a tried server that was ejected meanwhile is not a candidate', () => {
    expect(candidatesForTry(['b'], new Set(['a']))).toEqual(['b']);
  });
});

describe('failedTryOutcome', () => {
  const cases: [string, unknown, boolean, TryOutcome['kind']][] = [
    ['an upstream timeout is a timeout', new UpstreamError('timeout', 't'), false, 'timeout'],
    [
      'a refused connection is a connection failure',
      new UpstreamError('connect-failure', 'c'),
      false,
      'connect-failure',
    ],
    ['a malformed answer is a bad response', new UpstreamError('bad-response', 'b'), true, 'bad-response'],
    ['another error after the client left is client-aborted', new Error('x'), true, 'client-aborted'],
    ['another error with the client there is a connection failure', new Error('x'), false, 'connect-failure'],
  ];
  for (const [name, err, aborted, kind] of cases) {
    test(name, () => expect(failedTryOutcome(err, aborted).kind).toBe(kind));
  }

  test("isTryTimeout is true only for the upstream client's timeout", () => {
    expect(isTryTimeout(new UpstreamError('timeout', 't'))).toBe(true);
    expect(isTryTimeout(new UpstreamError('connect-failure', 'c'))).toBe(false);
    expect(isTryTimeout(new Error('timeout'))).toBe(false);
  });
});
