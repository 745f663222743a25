/**
 * The monitor's one load run at a time, started from the dashboard (`POST /control/load`): it
 * resolves the target (a zone's balancer or the gateway) from the current cluster state and runs
 * the same bounded generator as `bun run load` (`server/load/run.ts`). The last finished run is
 * kept so the dashboard can show its summary. A run lives in the monitor that started it.
 */
import { type LoadRun, type LoadStatus, startLoad } from '../../load/run.ts';
import { type LoadTarget, resolveTarget } from '../../load/targets.ts';
import { ZonescaleError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { ClusterState } from '../../shared/types.ts';

/** A run as `GET /control/load` shows it: the generator's status plus what was asked. */
export type LoadView = LoadStatus & { target: string };

/** Starts, reads and stops the monitor's load run. */
export class LoadController {
  private run: LoadRun | null = null;
  private target = '';
  private last: LoadView | null = null;

  constructor(
    private readonly state: () => Promise<ClusterState>,
    private readonly log: Logger,
    private readonly start: typeof startLoad = startLoad,
  ) {}

  /**
   * Starts a run of `rate` req/s for `durationS` s against `target` (`gateway` or a zone id).
   * @throws ZonescaleError 409 `load_running` when a run is active; 400 `bad_target` when the
   * target cannot be resolved; 400 `bad_load` when the generator refuses the options.
   */
  async begin(o: { rate: number; durationS: number; target: string; path?: string }): Promise<LoadView> {
    if (this.run?.status().running)
      throw new ZonescaleError(
        'load_running',
        'a load run is active; stop it first (DELETE /control/load)',
        409,
      );
    const t: LoadTarget = o.target === 'gateway' ? 'gateway' : { zone: o.target };
    let url: string;
    try {
      url = resolveTarget(await this.state(), t);
    } catch (err) {
      throw new ZonescaleError('bad_target', (err as Error).message, 400);
    }
    try {
      this.run = this.start({ targetUrl: url, rate: o.rate, durationS: o.durationS, path: o.path });
    } catch (err) {
      throw new ZonescaleError('bad_load', (err as Error).message, 400);
    }
    this.target = o.target;
    const run = this.run;
    this.log.info({ target: o.target, url, rate: o.rate, durationS: o.durationS }, 'load run started');
    void run.done.then((s) => {
      this.last = { ...s, target: o.target };
      this.log.info({ target: o.target, sent: s.sent, errors: s.errors, p95: s.p95 }, 'load run finished');
    });
    return { ...run.status(), target: o.target };
  }

  /** The active run, else the last finished one, else null. */
  view(): LoadView | null {
    if (this.run?.status().running) return { ...this.run.status(), target: this.target };
    return this.last ?? (this.run ? { ...this.run.status(), target: this.target } : null);
  }

  /** Stops the active run (no-op when none) and resolves with its final status, or null. */
  async end(): Promise<LoadView | null> {
    const run = this.run;
    if (!run?.status().running) return this.view();
    run.stop();
    const s = await run.done;
    this.last = { ...s, target: this.target };
    return this.last;
  }
}
