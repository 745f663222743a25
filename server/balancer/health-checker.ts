/**
 * Active health checks. The checker knows the pools only through two narrow functions (Traefik
 * style): `due()` lists the servers whose check is due and `setStatus(url, up)` reports a probe
 * result; the pools own every decision. A probe is `GET <server>/health_check` answered with a 2xx
 * within `timeoutMs`. The checker ticks often (a fraction of the shortest interval) and the pools'
 * schedule decides who is probed, so each server keeps its own 10 s / 30 s rhythm.
 */
import type { Logger } from '../shared/logger.ts';

/** The one-method status setter the checker drives (Traefik's `StatusSetter`). */
export interface StatusSetter {
  setStatus(url: string, up: boolean): void;
}

/** Probes `url`; resolves true when healthy. Must not throw. */
export type Probe = (url: string, timeoutMs: number) => Promise<boolean>;

/** `GET <url>/health_check` → true on a 2xx within `timeoutMs`; false on error, timeout or other status. */
export const httpProbe: Probe = async (url, timeoutMs) => {
  try {
    const res = await fetch(`${url}/health_check`, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await res.body?.cancel().catch(() => {});
    return res.ok;
  } catch {
    return false;
  }
};

/** Options of `startHealthChecker`. `tickMs` is how often `due()` is polled, ms. */
export interface HealthCheckerOptions {
  due: () => string[];
  setter: StatusSetter;
  probe?: Probe;
  timeoutMs: number;
  tickMs: number;
  log: Logger;
}

/** Tick period for given check intervals: a fifth of the shortest, between 10 ms and 1 s. */
export function tickFor(checkIntervalMs: number, recheckIntervalMs: number): number {
  return Math.min(1_000, Math.max(10, Math.floor(Math.min(checkIntervalMs, recheckIntervalMs) / 5)));
}

/** Starts the checker; returns `stop()`, which also ignores results of probes still running. */
export function startHealthChecker(o: HealthCheckerOptions): { stop(): void; tick(): Promise<void> } {
  const probe = o.probe ?? httpProbe;
  let stopped = false;
  const running = new Set<string>();
  const tick = async () => {
    const jobs = o
      .due()
      .filter((u) => !running.has(u))
      .map(async (url) => {
        running.add(url);
        try {
          const up = await probe(url, o.timeoutMs);
          if (!stopped) o.setter.setStatus(url, up);
        } catch (err) {
          o.log.error({ upstream: url, err: String(err) }, 'health probe threw');
        } finally {
          running.delete(url);
        }
      });
    await Promise.all(jobs);
  };
  const timer = setInterval(() => void tick(), o.tickMs);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    tick,
  };
}
