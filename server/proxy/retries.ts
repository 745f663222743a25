/**
 * The retry rules of the source design, pure: a user request gets up to `tries` tries (default 3),
 * each on a server not tried yet while enough alive servers remain; only connection failures and
 * timeouts are retried — any upstream response, a 500 included, goes back to the client as it is.
 * A request the client itself abandoned is never retried.
 */

import { UpstreamError } from '../http1/client/index.ts';

/** How one try ended. `response` = the upstream answered with headers (any status). */
export type TryOutcome =
  | { kind: 'response'; status: number }
  | { kind: 'connect-failure' }
  | { kind: 'timeout' }
  /** A malformed or ambiguous answer: 502, not retried, not a connection failure (as HAProxy's defaults). */
  | { kind: 'bad-response' }
  | { kind: 'client-aborted' };

/** True when `outcome` counts as a failure of the server (source design: connection failures and timeouts only). */
export function isServerFailure(outcome: TryOutcome): boolean {
  return outcome.kind === 'connect-failure' || outcome.kind === 'timeout';
}

/**
 * Whether another try is allowed after try number `triesDone` (1-based) ended with `outcome`.
 * Never after a response (a 5xx is passed back, not retried) nor after the client went away.
 */
export function shouldRetry(outcome: TryOutcome, triesDone: number, maxTries: number): boolean {
  return isServerFailure(outcome) && triesDone < maxTries;
}

/**
 * Candidates for the next try: alive servers not tried yet; when every alive server was already
 * tried, all alive servers (a retry on a server that failed is better than none).
 */
export function candidatesForTry(alive: readonly string[], tried: ReadonlySet<string>): readonly string[] {
  if (tried.size === 0) return alive;
  const fresh = alive.filter((u) => !tried.has(u));
  return fresh.length > 0 ? fresh : alive;
}

/** True when `err` is the upstream client's try timeout (`UpstreamError` of kind `timeout`). */
export function isTryTimeout(err: unknown): boolean {
  return err instanceof UpstreamError && err.kind === 'timeout';
}

/**
 * How a try that got no answer ended: the upstream client's own error kind when `err` is an
 * `UpstreamError`, else `client-aborted` when the client went away, else a connection failure.
 */
export function failedTryOutcome(err: unknown, clientAborted: boolean): TryOutcome {
  if (err instanceof UpstreamError) return { kind: err.kind };
  return clientAborted ? { kind: 'client-aborted' } : { kind: 'connect-failure' };
}
