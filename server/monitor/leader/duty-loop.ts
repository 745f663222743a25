/**
 * The leader's duty loop and its one timer: when this replica becomes leader it announces itself,
 * reconciles the registry with the runtime and runs a first period, then runs a period of leader
 * duties every `periodMs` (followed by the gateway push, when a gateway is configured) while the
 * election says it leads with a running lease. A period still running when the timer fires is not
 * doubled; stepping down or stopping clears the timer. A fenced period (`StaleTerm`: a newer leader;
 * `LeaseLapsed`: the lease ran out) ends quietly, as the election steps down on its own.
 */
import { Fenced } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { ElectionStatus } from '../election/elector.ts';
import type { LeaderDuties } from './duties.ts';
import { LeaseLapsed } from './write-guard.ts';

/** What the loop drives and reads. */
export interface DutyLoopDeps {
  duties: Pick<LeaderDuties, 'leaderElected' | 'reconcile' | 'runPeriod'>;
  /** The election's status now (null before the elector exists). */
  status: () => ElectionStatus | null;
  /** Runs after each period's duties with its term (the gateway push), if any. */
  afterPeriod?: (term: number) => Promise<void>;
  /** This replica's id, for the leader-elected event. */
  selfId: number;
  /** Period of the leader duties, ms. */
  periodMs: number;
  log: Logger;
}

/** The period timer of the leader duties. `becameLeader(term)` on election, `stop()` on step-down. */
export class DutyLoop {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running = false;

  constructor(private readonly d: DutyLoopDeps) {}

  /** Announce, reconcile and a first period now, then a period every `periodMs`. */
  becameLeader(term: number): void {
    const { duties, log } = this.d;
    this.stop();
    void duties
      .leaderElected(this.d.selfId, term)
      .then(() => duties.reconcile(term))
      .catch((err) => log.warn({ err }, 'announcing the election or reconciling failed'))
      .then(() => this.runPeriod());
    this.timer = setInterval(() => void this.runPeriod(), this.d.periodMs);
  }

  /** Clears the timer (a running period finishes; `LeaderDuties.idle()` waits for it). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One period of duties, when this replica leads with a running lease and none is running. */
  async runPeriod(): Promise<void> {
    const { duties, log } = this.d;
    const st = this.d.status();
    if (!st || st.role !== 'leader' || st.leaseValid === false || this.running) return;
    this.running = true;
    try {
      await duties.runPeriod(st.term);
      await this.d.afterPeriod?.(st.term);
    } catch (err) {
      if (err instanceof LeaseLapsed)
        log.warn('leader period skipped: the lease lapsed before it was renewed');
      else if (!(err instanceof Fenced)) log.error({ err }, 'leader period failed');
    } finally {
      this.running = false;
    }
  }
}
