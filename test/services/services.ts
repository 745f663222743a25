/**
 * Helpers for the service-backed suites: where the real services listen (`ZONESCALE_TEST_REDIS_URL`,
 * `_KAFKA_BROKERS`, `_INFLUX_URL`, `_INFLUX18_URL`, `_DOCKER_HOST`, exported by scripts/test.sh, defaulting to the
 * 127.0.0.1 addresses scripts/services.sh uses; the swarm of scripts/swarm.sh through `_SWARM`,
 * `_SWARM_NODES` and `_SWARM_NODE2_HOST`), whether each one answers, and `requireService`, which makes a missing service a
 * failing test with `CI=true` and a skipped suite with a printed reason otherwise. Fault tests stop
 * and start single services through `serviceCtl` (the same script).
 */
import { test } from 'bun:test';
import { connect } from 'node:net';
import { join } from 'node:path';

/** Repository root. */
export const REPO = join(import.meta.dir, '../..');

/** Service addresses: `ZONESCALE_TEST_*` (set by scripts/test.sh), else scripts/services.sh defaults. */
export const SERVICES = {
  redisUrl: process.env.ZONESCALE_TEST_REDIS_URL || 'redis://127.0.0.1:6379',
  kafkaBrokers: (process.env.ZONESCALE_TEST_KAFKA_BROKERS || '127.0.0.1:9092').split(','),
  influxUrl: process.env.ZONESCALE_TEST_INFLUX_URL || 'http://127.0.0.1:8086',
  /** InfluxDB 1.8 (the 2.x API: /api/v2/write, Flux), beside the 1.6.7 of `influxUrl`. */
  influx18Url: process.env.ZONESCALE_TEST_INFLUX18_URL || 'http://127.0.0.1:8087',
  dockerSocket: (process.env.ZONESCALE_TEST_DOCKER_HOST || 'unix:///var/run/docker.sock').replace(
    /^unix:\/\//,
    '',
  ),
  /** Nodes of the test swarm (scripts/swarm.sh env), 0 when no swarm was set up. */
  swarmNodes: Number(process.env.ZONESCALE_TEST_SWARM_NODES || 0),
  /** Socket of the swarm's second engine (a worker), when it has one. */
  swarmNode2Socket: (process.env.ZONESCALE_TEST_SWARM_NODE2_HOST || '').replace(/^unix:\/\//, ''),
};

export type ServiceName = 'redis' | 'kafka' | 'influx' | 'influx18' | 'docker' | 'swarm';

/** Whether a TCP port on 127.0.0.1 (or a unix socket path) accepts a connection within `ms`. */
export function reachable(target: { port: number } | { path: string }, ms = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = 'port' in target ? connect(target.port, '127.0.0.1') : connect(target.path);
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(ms, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Whether `name` answers right now. */
export async function serviceUp(name: ServiceName): Promise<boolean> {
  switch (name) {
    case 'redis':
      return reachable({ port: Number(new URL(SERVICES.redisUrl).port || 6379) });
    case 'kafka':
      return reachable({ port: Number(SERVICES.kafkaBrokers[0]?.split(':')[1] ?? 9092) });
    case 'influx':
    case 'influx18':
      return fetch(`${name === 'influx' ? SERVICES.influxUrl : SERVICES.influx18Url}/ping`, {
        signal: AbortSignal.timeout(1_000),
      }).then(
        (r) => r.status === 204,
        () => false,
      );
    case 'docker':
      return reachable({ path: SERVICES.dockerSocket });
    case 'swarm':
      return swarmActive(SERVICES.dockerSocket);
  }
}

/** Whether the engine on `socket` is a manager of an active swarm (`GET /info`). */
export async function swarmActive(socket: string): Promise<boolean> {
  try {
    const res = await fetch('http://docker/info', { unix: socket, signal: AbortSignal.timeout(2_000) });
    const info = (await res.json()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
    return info.Swarm?.LocalNodeState === 'active' && info.Swarm.ControlAvailable === true;
  } catch {
    return false;
  }
}

/**
 * Checks the services a suite needs. Returns true when all answer. Otherwise: with CI=true it
 * registers a failing test naming them (CI installs and starts every service, so absence is a bug);
 * locally it prints why the suite is skipped and returns false (use with `describe.skipIf`).
 */
export async function requireService(...names: ServiceName[]): Promise<boolean> {
  const missing: ServiceName[] = [];
  for (const n of names) if (!(await serviceUp(n))) missing.push(n);
  if (missing.length === 0) return true;
  const how = missing
    .map((n) => (n === 'swarm' ? 'bash scripts/swarm.sh up' : `bash scripts/services.sh up ${n}`))
    .join('; ');
  const why = `${missing.join(', ')} not reachable (start with: ${how})`;
  if (process.env.CI === 'true') {
    test(`the services this suite needs are running: ${missing.join(', ')}`, () => {
      throw new Error(why);
    });
  } else {
    console.warn(`[skip] ${why}`);
  }
  return false;
}

/** Runs `bash scripts/services.sh <cmd> <name>` and waits; @throws Error when it exits non-zero. */
export async function serviceCtl(cmd: 'up' | 'down', name: ServiceName): Promise<void> {
  const proc = Bun.spawn(['bash', join(REPO, 'scripts/services.sh'), cmd, name], {
    cwd: REPO,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const code = await proc.exited;
  if (code !== 0)
    throw new Error(`services.sh ${cmd} ${name} exited ${code}: ${await new Response(proc.stderr).text()}`);
}

/** Polls `check` every 100 ms until it returns true or `ms` passes; returns the last result. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) return false;
    await Bun.sleep(100);
  }
}

/** A unique suffix for keys, topics, databases and container ids of one test run. */
export const RUN_ID = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** Builds an image (`docker build --network host -t <tag> <context>`; default the zonescale image) and returns its output. @throws Error on failure */
export async function buildImage(tag = 'zonescale:local', context = '.'): Promise<string> {
  const proc = Bun.spawn(['/usr/bin/docker', 'build', '--network', 'host', '-t', tag, context], {
    cwd: REPO,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`docker build exited ${code}: ${err || out}`);
  return out;
}

/** docker-compose 1.29 (Debian's; scripts/services.sh installs it), or null. */
export const COMPOSE = Bun.which('docker-compose');

/**
 * Whether docker-compose is installed: with CI=true its absence registers a failing test, locally a
 * printed skip reason (use with `describe.skipIf`).
 */
export function requireCompose(): boolean {
  if (COMPOSE) return true;
  if (process.env.CI === 'true')
    test('docker-compose is installed (bash scripts/services.sh up docker)', () => {
      throw new Error('docker-compose not found');
    });
  else console.warn('[skip] docker-compose not found (bash scripts/services.sh up docker installs it)');
  return false;
}

/** `docker-compose -f <file> config` in the repository with only PATH, HOME and `env` set. */
export async function composeConfig(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([COMPOSE ?? 'docker-compose', '-f', file, 'config'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [code, out, err] = await Promise.all([
    p.exited,
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
  ]);
  return { code, out, err };
}
