/**
 * Drives the pure election state machine (`state-machine.ts`) with real time and I/O: a tick timer,
 * the registry (read the stored leader, claim the next term by compare-and-set) and the peer
 * client (probe, `election`, `coordinator`). Incoming messages from the HTTP routes are fed in as
 * events; effects come back out as network calls whose results are fed in as further events.
 * Becoming leader and stepping down are reported through callbacks, which start and stop the
 * leader's duties.
 */
import type { Registry } from '../../adapters/registry.ts';
import type { Logger } from '../../shared/logger.ts';
import { MAX_TERM } from '../../shared/term.ts';
import type { LeaderInfo } from '../../shared/types.ts';
import type { MonitorHealth, PeerClient } from './peers.ts';
import {
  type ElectionEffect,
  type ElectionEvent,
  type ElectionState,
  type ElectionTimings,
  initialState,
  type KnownLeader,
  leaseValid,
  type Peer,
} from './state.ts';
import { step } from './state-machine.ts';
import { nextClaim } from './term-claim.ts';

/** I/O and callbacks. `now` defaults to `Date.now`; `tickMs` to a quarter of the election timeout (≤ 250 ms). */
export interface ElectorDeps {
  registry: Registry;
  peers: PeerClient;
  log: Logger;
  onBecameLeader: (term: number) => void;
  onSteppedDown: (term: number) => void;
  now?: () => number;
  tickMs?: number;
  /** Log every message at info level (config `debugElection`). */
  debug?: boolean;
}

/** What `/health_check` and the routes read of the election. */
export interface ElectionStatus {
  role: MonitorHealth['role'];
  term: number;
  leader: KnownLeader | null;
  /** Leader only: whether its lease still runs, so it may write (absent = no lease kept, true). */
  leaseValid?: boolean;
}

/** One replica's election runtime. `start()` once, `stop()` when done. */
export class Elector {
  private s: ElectionState;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly self: Peer,
    peers: Peer[],
    timings: ElectionTimings,
    private readonly deps: ElectorDeps,
  ) {
    this.s = initialState(self, peers, timings);
    this.now = deps.now ?? Date.now;
  }

  /** Reads the stored leader, checks it answers as leader with that term, boots, and starts ticking. */
  async start(): Promise<void> {
    let stored: KnownLeader | null = null;
    let confirmed = false;
    try {
      const l = await this.deps.registry.leader();
      if (l) {
        stored = { id: l.id, url: l.url, term: l.term };
        if (l.id !== this.self.id) {
          const h = await this.deps.peers.health(l.url);
          confirmed = h?.role === 'leader' && h.term === l.term && h.id === l.id;
        }
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'could not read the stored leader at start; starting an election');
    }
    if (this.stopped) return;
    this.dispatch({ type: 'boot', stored, confirmed });
    const tickMs =
      this.deps.tickMs ?? Math.max(20, Math.min(250, Math.floor(this.s.timings.electionTimeoutMs / 4)));
    this.timer = setInterval(() => this.dispatch({ type: 'tick' }), tickMs);
  }

  /**
   * Stops ticking. A leader with a lease releases it (renews it to now), so a successor need not
   * wait for it to lapse; resolves once that is done (errors are logged, not thrown).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.s.role === 'leader' && this.s.leaseUntil !== null) {
      await this.deps.registry
        .renewLease(this.s.term, this.now())
        .catch((err) => this.deps.log.warn({ err }, 'releasing the lease failed; it lapses on its own'));
    }
  }

  /** Current role ('booting' reads as 'candidate'), term, believed leader and whether the lease runs. */
  status(): ElectionStatus {
    return {
      role: this.s.role === 'booting' ? 'candidate' : this.s.role,
      term: this.s.term,
      leader: this.s.leader,
      leaseValid: leaseValid(this.s, this.now()),
    };
  }

  /** Whether this replica is the leader and may write now (its lease has not lapsed). */
  mayWrite(): boolean {
    return leaseValid(this.s, this.now());
  }

  /** An `election` message from a lower id arrived (the HTTP reply is the answer). */
  receiveElection(from: number): void {
    this.dispatch({ type: 'election-received', from });
  }

  /** A `coordinator` message arrived; `accepted` false means it was older than `current` (409). */
  receiveCoordinator(leader: KnownLeader): { accepted: boolean; current: number } {
    const effects = this.dispatch({ type: 'coordinator-received', leader });
    const refused = effects.find((e) => e.kind === 'refuse-coordinator');
    return { accepted: !refused, current: this.s.term };
  }

  /** A term-fenced write was refused: step down now. */
  fenced(current: number): void {
    this.dispatch({ type: 'fenced', current });
  }

  private dispatch(e: ElectionEvent): ElectionEffect[] {
    if (this.stopped) return [];
    const before = this.s.role;
    const r = step(this.s, e, this.now());
    this.s = r.state;
    if (this.deps.debug && (e.type !== 'tick' || r.effects.length > 0)) {
      this.deps.log.info(
        { event: e, effects: r.effects.map((x) => x.kind), role: this.s.role, term: this.s.term },
        'election step',
      );
    } else if (before !== this.s.role) {
      this.deps.log.info(
        { from: before, to: this.s.role, term: this.s.term, leader: this.s.leader?.id ?? null },
        'election role changed',
      );
    }
    for (const effect of r.effects) this.run(effect);
    return r.effects;
  }

  /**
   * Carries out a `claim-term` effect (the rule of `term-claim.ts`): waits out a higher live
   * leader's lease when leases are on, reads the term the registry stores, and compare-and-sets it
   * to `nextClaim(stored, seen)`, so the claim never expects a term the registry never stored.
   * Every outcome, an error included, comes back as a `claim-result`; a failed one backs off.
   */
  private async claim(x: Extract<ElectionEffect, { kind: 'claim-term' }>): Promise<void> {
    const { registry, log } = this.deps;
    const known = (l: LeaderInfo | null): KnownLeader | null => l && { id: l.id, url: l.url, term: l.term };
    const result = (ok: boolean, claimedTerm: number, stored: KnownLeader | null, leaseUntil?: number) =>
      this.dispatch({
        type: 'claim-result',
        round: x.round,
        ok,
        claimedTerm,
        stored,
        ...(leaseUntil === undefined ? {} : { leaseUntil }),
      });
    try {
      let held = await registry.leader();
      // Lease-based: a lower id waits (at most one lease) for a higher live leader's lease to
      // lapse, and its claim fails while that lease runs. A higher id preempts at once, as the
      // bully algorithm wants the highest live id to lead; the lower leader is fenced by the
      // newer term and steps down at its next renewal.
      const respectLease = x.leaseMs !== null && held !== null && held.id > this.self.id;
      const wait = Math.min(x.leaseMs ?? 0, (held?.leaseUntil ?? 0) - this.now());
      if (respectLease && held && wait > 0) {
        log.info({ leader: held.id, term: held.term, waitMs: wait }, 'waiting for the leader lease to lapse');
        await Bun.sleep(wait + 1);
        if (this.stopped || this.s.phase !== 'claiming' || this.s.round !== x.round) return;
        held = await registry.leader();
      }
      const terms = nextClaim(held?.term ?? 0, x.seenTerm);
      if (!terms) {
        log.error(
          { stored: held?.term, max: MAX_TERM },
          'cannot claim: no term is left above the stored one',
        );
        result(false, 0, known(held));
        return;
      }
      const now = this.now();
      const leaseUntil = x.leaseMs === null ? undefined : now + x.leaseMs;
      const ok = await registry.claimLeadership(
        terms.expectedTerm,
        {
          id: this.self.id,
          url: this.self.url,
          term: terms.nextTerm,
          since: now,
          ...(leaseUntil === undefined ? {} : { leaseUntil }),
        },
        respectLease ? now : undefined,
      );
      if (!ok) log.info({ expected: terms.expectedTerm, next: terms.nextTerm }, 'leader claim lost');
      result(ok, terms.nextTerm, known(await registry.leader()), leaseUntil);
    } catch (err) {
      log.error({ err }, 'claiming the leader term failed');
      result(false, 0, null);
    }
  }

  private run(x: ElectionEffect): void {
    const { registry, peers, log } = this.deps;
    switch (x.kind) {
      case 'send-election': {
        void Promise.all(
          x.to.map((p) =>
            peers.election(p.url, { from: this.self.id, term: this.s.term }).then((ok) => (ok ? p.id : null)),
          ),
        ).then((ids) =>
          this.dispatch({
            type: 'election-round-done',
            round: x.round,
            answered: ids.filter((id): id is number => id !== null),
          }),
        );
        return;
      }
      case 'claim-term': {
        void this.claim(x);
        return;
      }
      case 'announce-coordinator': {
        for (const p of x.to) {
          void peers
            .coordinator(p.url, { leader: this.self.id, url: this.self.url, term: x.term })
            .then((out) => {
              if (out === 'stale') this.run({ kind: 'read-term' });
            });
        }
        return;
      }
      case 'probe-leader': {
        void peers.health(x.leader.url).then((h) =>
          this.dispatch({
            type: 'probe-result',
            ok: h?.role === 'leader' && h.id === x.leader.id && h.term >= x.leader.term,
          }),
        );
        return;
      }
      case 'read-term': {
        void registry
          .leader()
          .then((l) =>
            this.dispatch({ type: 'term-observed', stored: l && { id: l.id, url: l.url, term: l.term } }),
          )
          .catch((err) => log.error({ err }, 'reading the stored leader term failed'));
        return;
      }
      case 'renew-lease': {
        void registry.renewLease(x.term, x.until).then(
          (ok) => {
            if (!ok) log.warn({ term: x.term }, 'lease renewal refused: a newer term is stored');
            this.dispatch({
              type: 'lease-result',
              term: x.term,
              until: x.until,
              outcome: ok ? 'renewed' : 'refused',
            });
          },
          (err) => {
            log.error({ err }, 'renewing the leader lease failed');
            this.dispatch({ type: 'lease-result', term: x.term, until: x.until, outcome: 'error' });
          },
        );
        return;
      }
      case 'became-leader':
        log.info({ term: x.term }, 'became the leader');
        this.deps.onBecameLeader(x.term);
        return;
      case 'stepped-down':
        log.warn({ term: x.term, leader: x.leader?.id ?? null }, 'stepped down: a newer term exists');
        this.deps.onSteppedDown(x.term);
        return;
      case 'refuse-coordinator':
        return;
    }
  }
}
