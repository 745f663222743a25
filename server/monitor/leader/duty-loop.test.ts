/**
 * The duty loop against a scripted election status and recording duties: the order of a new
 * leader's first duties, a period every `periodMs` only while leading with a running lease, no
 * second period while one runs, the gateway push after each period, and quiet fenced periods.
 */
import { describe, expect, test } from 'bun:test';
import { StaleTerm } from '../../shared/errors.ts';
import { silentLogger } from '../../shared/logger.ts';
import type { ElectionStatus } from '../election/elector.ts';
import { DutyLoop } from './duty-loop.ts';
import { LeaseLapsed } from './write-guard.ts';

function setup(opts: { periodMs?: number; period?: () => Promise<void> } = {}) {
  const calls: string[] = [];
  let status: ElectionStatus | null = { role: 'leader', term: 7, leader: null, leaseValid: true };
  const loop = new DutyLoop({
    duties: {
      leaderElected: async (id, term) => void calls.push(`elected ${id} ${term}`),
      reconcile: async (term) => (calls.push(`reconcile ${term}`), []),
      runPeriod: async (term) => {
        calls.push(`period ${term}`);
        await opts.period?.();
        return [];
      },
    },
    status: () => status,
    afterPeriod: async (term) => void calls.push(`gateway ${term}`),
    selfId: 3,
    periodMs: opts.periodMs ?? 40,
    log: silentLogger,
  });
  return { calls, loop, setStatus: (s: ElectionStatus | null) => (status = s) };
}

describe('duty loop', () => {
  test('a new leader announces, reconciles and runs a first period, then one every period until stopped', async () => {
    const { calls, loop } = setup();
    loop.becameLeader(7);
    const periods = () => calls.filter((c) => c === 'period 7').length;
    for (let i = 0; i < 100 && periods() < 2; i++) await Bun.sleep(20);
    loop.stop();
    const n = calls.length;
    expect(calls.slice(0, 4)).toEqual(['elected 3 7', 'reconcile 7', 'period 7', 'gateway 7']);
    expect(periods()).toBeGreaterThanOrEqual(2);
    await Bun.sleep(100);
    expect(calls.length).toBe(n);
  });

  test('no period runs for a follower, without a status, or with a lapsed lease', async () => {
    const { calls, loop, setStatus } = setup();
    for (const s of [
      { role: 'follower' as const, term: 7, leader: null },
      null,
      { role: 'leader' as const, term: 7, leader: null, leaseValid: false },
    ]) {
      setStatus(s);
      await loop.runPeriod();
    }
    expect(calls).toEqual([]);
  });

  test('a period still running when the next is due is not doubled', async () => {
    let release = () => {};
    const { calls, loop } = setup({ period: () => new Promise<void>((r) => (release = r)) });
    const first = loop.runPeriod();
    await loop.runPeriod();
    release();
    await first;
    expect(calls).toEqual(['period 7', 'gateway 7']);
  });

  test('a fenced period ends quietly and the next one runs again', async () => {
    const errors = [new StaleTerm(7, 8), new LeaseLapsed('stop zone1-app-1')];
    const { calls, loop } = setup({
      period: async () => {
        const e = errors.shift();
        if (e) throw e;
      },
    });
    await loop.runPeriod();
    await loop.runPeriod();
    await loop.runPeriod();
    expect(calls).toEqual(['period 7', 'period 7', 'period 7', 'gateway 7']);
  });
});
