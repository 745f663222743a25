/**
 * Active health checks. The checker knows the pools only through two narrow functions (Traefik
 * style): `due()` lists the servers whose check is due and `setStatus(url, up)` reports a probe
 * result; the pools own every decision. A probe is `GET <server>/health_check` (or the service's
 * `--health-path`) answered with a 2xx
 * within `timeoutMs`; when the body carries the server's load (`{cpu, inFlight}`, the app's health
 * check, as heartbeats did in the PennCloud design) it is passed on for load-aware strategies. The checker ticks often (a fraction of the shortest interval) and the pools'
 * schedule decides who is probed, so each server keeps its own 10 s / 30 s rhythm.
 */
import type { Logger } from '../../shared/logger.ts';

/** Load a server reported in its health check: CPU % and requests in flight. */
export interface ServerLoad {
  cpu: number;
  inFlight: number;
}

/** The one-method status setter the checker drives (Traefik's `StatusSetter`); `load` when reported. */
export interface StatusSetter {
  setStatus(url: string, up: boolean, load?: ServerLoad): void;
}

/** Probes `url`; resolves true (or `{up, load}`) when healthy. Must not throw. */
export type Probe = (url: string, timeoutMs: number) => Promise<boolean | { up: boolean; load?: ServerLoad }>;

/** Reads `{cpu, inFlight}` (finite numbers ≥ 0) from a health-check body; undefined when absent. */
export function loadFromBody(body: unknown): ServerLoad | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { cpu, inFlight } = body as { cpu?: unknown; inFlight?: unknown };
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (!ok(cpu) && !ok(inFlight)) return undefined;
  return { cpu: ok(cpu) ? cpu : 0, inFlight: ok(inFlight) ? inFlight : 0 };
}

/**
 * `GET <url>/health_check` → up on a 2xx within `timeoutMs` (with the load its JSON body reports);
 * down on error, timeout or another status.
 */
export const httpProbe: Probe = (url, timeoutMs) => probeAt('/health_check', url, timeoutMs);

/** `httpProbe` on another path (`--health-path`, the service's health check). */
export function httpProbeAt(path: string): Probe {
  return path === '/health_check' ? httpProbe : (url, timeoutMs) => probeAt(path, url, timeoutMs);
}

async function probeAt(path: string, url: string, timeoutMs: number): ReturnType<Probe> {
  try {
    const res = await fetch(`${url}${path}`, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return false;
    }
    const json = res.headers.get('content-type')?.includes('json')
      ? await res.json().catch(() => undefined)
      : await res.body?.cancel().catch(() => undefined);
    return { up: true, load: loadFromBody(json) };
  } catch {
    return false;
  }
}

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
          const r = await probe(url, o.timeoutMs);
          if (stopped) return;
          if (typeof r === 'boolean') o.setter.setStatus(url, r);
          else o.setter.setStatus(url, r.up, r.load);
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
