/**
 * The leader the balancer obeys and its term (the fencing token), as pure functions. A write that
 * carries a term older than the known one comes from a deposed leader and is refused with
 * `StaleTerm` (409) before anything changes; a newer term is adopted, so the old leader is fenced
 * off from then on.
 */
import { StaleTerm } from '../shared/errors.ts';

/** The leader monitor as this balancer knows it: its URL ('' = unknown) and term. */
export interface MonitorInfo {
  address: string;
  term: number;
}

/**
 * Applies `PUT /monitor {address, term}`: accepted when `term >= current.term`; the same term and
 * address is a no-op (`changed: false`).
 * @throws StaleTerm when `offered.term < current.term`.
 */
export function acceptMonitor(
  current: MonitorInfo,
  offered: MonitorInfo,
): { next: MonitorInfo; changed: boolean } {
  if (offered.term < current.term) throw new StaleTerm(offered.term, current.term);
  const changed = offered.term !== current.term || offered.address !== current.address;
  return { next: changed ? { ...offered } : current, changed };
}

/**
 * Checks the optional term of a `PUT /servers`: absent → unchanged; older → refused; equal or newer
 * → accepted, and a newer term is adopted (the address stays until the leader's `PUT /monitor`).
 * @throws StaleTerm when `term < current.term`.
 */
export function checkTerm(current: MonitorInfo, term: number | undefined): MonitorInfo {
  if (term === undefined || term === current.term) return current;
  if (term < current.term) throw new StaleTerm(term, current.term);
  return { address: current.address, term };
}
