/**
 * The processes of the balancer benchmark: the backend, HAProxy, nginx and zonescale balancers,
 * each started on its own 127.0.0.1 port with its log in the run's temp directory, waited for, and
 * stopped (SIGTERM, SIGKILL after 3 s). `cleanup()` kills whatever is still running and removes the
 * directory; `run.ts` calls it on exit, failure or Ctrl-C. Also: the backend's counters and a
 * process's resident memory.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haproxyConfig, nginxConfig } from './peers.ts';

export const ROOT = join(import.meta.dir, '..', '..');
/** The run's temp directory (configs, logs, wrk scripts). */
export const dir = mkdtempSync(join(tmpdir(), 'zonescale-bench-'));
const TOKEN = 'bench-token-0123456789abcdef';
const procs = new Set<Bun.Subprocess>();
// Below Linux's ephemeral range (32768+): the 10,000-connection run leaves that many client ports in
// TIME_WAIT, and a listener there fails with EADDRINUSE in the next run.
let nextPort = 20_000 + Math.floor(Math.random() * 12_000);

/** Kills every process still running and removes the temp directory. */
export function cleanup(): void {
  for (const p of procs) p.kill('SIGKILL');
  procs.clear();
  rmSync(dir, { recursive: true, force: true });
}

/** A free-looking port from a random base (the run's ports are consecutive). */
export function port(): number {
  return nextPort++;
}

function spawn(name: string, cmd: string[], env: Record<string, string> = {}): Bun.Subprocess {
  const log = Bun.file(join(dir, `${name}.log`));
  const p = Bun.spawn(cmd, { cwd: ROOT, stdout: log, stderr: log, env: { ...process.env, ...env } });
  procs.add(p);
  return p;
}

/** SIGTERM (nginx's master then stops its workers), SIGKILL after 3 s. */
export async function stop(p: Bun.Subprocess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), 3_000);
  await p.exited;
  clearTimeout(t);
  procs.delete(p);
}

async function waitUp(url: string, name: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(500) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {}
    if (Date.now() > deadline) {
      const log = await Bun.file(join(dir, `${name}.log`))
        .text()
        .catch(() => '');
      throw new Error(`${name} did not come up at ${url}\n${log.slice(-2000)}`);
    }
    await Bun.sleep(50);
  }
}

/** A started process and where it listens. */
export interface Started {
  url: string;
  proc: Bun.Subprocess;
}

/** A backend (`backend.ts`); `hostPort` for the peers' configs. */
export async function startBackend(): Promise<Started & { hostPort: string }> {
  const p = port();
  const proc = spawn(`backend-${p}`, ['bun', 'bench/balancer/backend.ts', String(p)]);
  const url = `http://127.0.0.1:${p}`;
  await waitUp(`${url}/health_check`, `backend-${p}`);
  return { url, hostPort: `127.0.0.1:${p}`, proc };
}

/** The backend's counters: TCP connections accepted and requests answered so far. */
export async function backendStats(url: string): Promise<{ connections: number; requests: number }> {
  const res = await fetch(`${url}/__stats`, { headers: { connection: 'close' } });
  return (await res.json()) as { connections: number; requests: number };
}

/** A zonescale balancer (`server/main.ts balancer`) over `servers` with `strategy`; `flags` add to its command line. */
export async function startBalancer(
  strategy: string,
  servers: readonly string[],
  flags: readonly string[] = [],
): Promise<Started> {
  const p = port();
  const name = `balancer-${strategy}-${p}`;
  const proc = spawn(
    name,
    [
      'bun',
      'server/main.ts',
      'balancer',
      '--zone',
      'bench',
      '--port',
      String(p),
      '--servers',
      servers.join(','),
      '--strategy',
      strategy,
      '--check-interval-ms',
      '1000',
      '--recheck-interval-ms',
      '1000',
      ...flags,
    ],
    { ZONESCALE_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
  );
  const url = `http://127.0.0.1:${p}`;
  await waitUp(`${url}/health_check`, name);
  return { url, proc };
}

/** HAProxy (nbthread 1) over `upstreams` (host:port). */
export async function startHaproxy(upstreams: readonly string[]): Promise<Started> {
  const p = port();
  const cfg = join(dir, `haproxy-${p}.cfg`);
  writeFileSync(cfg, haproxyConfig(p, upstreams));
  const proc = spawn(`haproxy-${p}`, ['haproxy', '-db', '-f', cfg]);
  const url = `http://127.0.0.1:${p}`;
  await waitUp(`${url}/health_check`, `haproxy-${p}`);
  return { url, proc };
}

/** nginx (one worker) over `upstreams` (host:port). */
export async function startNginx(upstreams: readonly string[]): Promise<Started> {
  const p = port();
  const cfg = join(dir, `nginx-${p}.conf`);
  writeFileSync(cfg, nginxConfig(p, upstreams, dir));
  const bin = Bun.which('nginx') ?? '/usr/sbin/nginx';
  const proc = spawn(`nginx-${p}`, [bin, '-e', join(dir, 'nginx-error.log'), '-c', cfg, '-g', 'daemon off;']);
  const url = `http://127.0.0.1:${p}`;
  await waitUp(`${url}/health_check`, `nginx-${p}`);
  return { url, proc };
}

/** Resident memory of process `pid`, MiB (`VmRSS` of `/proc/<pid>/status`); NaN once it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
