/**
 * The real `ContainerRuntime` on the Docker engine (dockerode), as the source design runs its app
 * servers and balancers. Each container is `zonescale-<cluster>-<id>` from the zonescale image
 * (default `zonescale:local`, built from the Dockerfile), command `<role> ...args` after the image's
 * `bun server/main.ts` entry point, host networking (it listens on 127.0.0.1:<port> like a local
 * process), and labels `zonescale.role`, `zonescale.zone`, `zonescale.cluster`, `zonescale.id`,
 * `zonescale.port`: `list()` reads them back, so a new leader recovers the real state from Docker.
 * Env: the spec's, plus the monitor's own `KAFKA_BROKERS`, `INFLUX_*` and `REDIS_URL` when set (so
 * app servers publish to the same bus). `cpuPercent` reads one stats sample. An app server whose
 * spec carries a user's service runs that service's image instead (its own entry point and CMD, or
 * `/bin/sh -c <command>` when a command is given, or `args` as CMD), with `PORT` set to the port
 * zonescale chose and without the passed-through names; `logTail` reads the container's last log lines (for `ServiceFailedToStart`).
 */
import Docker from 'dockerode';
import { ZonescaleError } from '../../shared/errors.ts';
import type { ContainerRole, ZoneId } from '../../shared/types.ts';
import {
  type ContainerRuntime,
  type ContainerSpec,
  isForeignService,
  portEnv,
  type RuntimeContainer,
} from '../runtime.ts';

/** The image the runtime starts unless told otherwise (built by `docker build -t zonescale:local .`). */
export const DEFAULT_IMAGE = 'zonescale:local';

/** Seconds `stop` gives a container after SIGTERM before Docker kills it. */
export const DOCKER_STOP_GRACE_S = 3;

/** Environment names passed from the monitor to every container when set. */
export const PASS_ENV = [
  'KAFKA_BROKERS',
  'INFLUX_URL',
  'INFLUX_TOKEN',
  'INFLUX_ORG',
  'INFLUX_BUCKET',
  'REDIS_URL',
];

/** Label keys. */
export const LABEL = {
  role: 'zonescale.role',
  zone: 'zonescale.zone',
  cluster: 'zonescale.cluster',
  id: 'zonescale.id',
  port: 'zonescale.port',
} as const;

/** Options of `DockerRuntime`. */
export interface DockerRuntimeOptions {
  /** Cluster id: a label on every container; `list()` shows only this cluster's. */
  cluster: string;
  /** Image to run; default `DEFAULT_IMAGE`. */
  image?: string;
  /** Docker socket path; default `DOCKER_HOST` (unix://…) or /var/run/docker.sock. */
  socketPath?: string;
  /** Overrides entry point + command (tests run tiny servers); default: the image's entry point with `[role, ...args]`. */
  command?: (spec: ContainerSpec) => { entrypoint?: string[]; cmd: string[] };
  /** Environment the passed-through names are read from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** The container name of `id` in `cluster`. */
export function containerName(cluster: string, id: string): string {
  return `zonescale-${cluster}-${id}`;
}

/** A client of the engine on `socketPath`, default `DOCKER_HOST` (unix://…) or /var/run/docker.sock. */
export function engineClient(socketPath?: string): Docker {
  const host = process.env.DOCKER_HOST ?? '';
  return new Docker({
    socketPath: socketPath ?? (host.startsWith('unix://') ? host.slice(7) : '/var/run/docker.sock'),
  });
}

/** @throws ZonescaleError `bad_container_id` (400) for an id unfit as a container or service name. */
export function assertContainerId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id))
    throw new ZonescaleError(
      'bad_container_id',
      `container id "${id}" must be letters, digits, dots, dashes or underscores`,
      400,
    );
}

/** CPU % (of one core) from a Docker stats sample, as `docker stats` computes it. */
export function cpuPercentFrom(stats: Docker.ContainerStats): number {
  const cpu = stats.cpu_stats.cpu_usage.total_usage - stats.precpu_stats.cpu_usage.total_usage;
  const system = (stats.cpu_stats.system_cpu_usage ?? 0) - (stats.precpu_stats.system_cpu_usage ?? 0);
  const cores = stats.cpu_stats.online_cpus || stats.cpu_stats.cpu_usage.percpu_usage?.length || 1;
  return cpu > 0 && system > 0 ? (cpu / system) * cores * 100 : 0;
}

/** A `ContainerRuntime` of Docker containers; see the module comment. */
export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;
  private readonly image: string;

  constructor(private readonly opts: DockerRuntimeOptions) {
    this.docker = engineClient(opts.socketPath);
    this.image = opts.image ?? DEFAULT_IMAGE;
  }

  /**
   * Starts `spec`, first removing a container already named for the same id.
   * @throws ZonescaleError `bad_container_id` (400) for an id unfit as a name; Docker errors (e.g. no image) as thrown by dockerode.
   */
  async start(spec: ContainerSpec): Promise<RuntimeContainer> {
    assertContainerId(spec.id);
    await this.stop(spec.id);
    const run = containerRun(spec, {
      image: this.image,
      source: this.opts.env ?? process.env,
      command: this.opts.command?.(spec),
    });
    const container = await this.docker.createContainer({
      name: containerName(this.opts.cluster, spec.id),
      Image: run.image,
      Entrypoint: run.entrypoint,
      Cmd: run.cmd,
      Env: Object.entries(run.env).map(([k, v]) => `${k}=${v}`),
      Labels: {
        [LABEL.role]: spec.role,
        [LABEL.zone]: spec.zone,
        [LABEL.cluster]: this.opts.cluster,
        [LABEL.id]: spec.id,
        [LABEL.port]: String(spec.port),
      },
      HostConfig: { NetworkMode: 'host', Init: false },
    });
    await container.start();
    const info = await container.inspect();
    return {
      id: spec.id,
      role: spec.role,
      zone: spec.zone,
      port: spec.port,
      runtimeId: info.Id,
      running: info.State.Running,
      startedAt: Date.parse(info.State.StartedAt) || Date.now(),
    };
  }

  /** Stops (SIGTERM, then SIGKILL after `DOCKER_STOP_GRACE_S`) and removes every container of this id; unknown id = no-op. */
  async stop(id: string): Promise<void> {
    const found = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.cluster}=${this.opts.cluster}`, `${LABEL.id}=${id}`] },
    });
    for (const c of found) {
      const container = this.docker.getContainer(c.Id);
      if (c.State === 'running') await container.stop({ t: DOCKER_STOP_GRACE_S }).catch(ignoreGone);
      await container.remove({ force: true }).catch(ignoreGone);
    }
  }

  /** Every container of this cluster Docker holds, from its labels, oldest first. */
  async list(): Promise<RuntimeContainer[]> {
    const found = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.cluster}=${this.opts.cluster}`] },
    });
    return found
      .map((c) => ({
        id: c.Labels[LABEL.id] ?? c.Names[0]?.replace(/^\//, '') ?? c.Id,
        role: (c.Labels[LABEL.role] ?? 'app') as ContainerRole,
        zone: (c.Labels[LABEL.zone] ?? '') as ZoneId,
        port: Number(c.Labels[LABEL.port] ?? 0),
        runtimeId: c.Id,
        running: c.State === 'running',
        startedAt: c.Created * 1000,
      }))
      .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
  }

  /** The last `lines` lines of the container's stdout and stderr ('' for an unknown id). */
  async logTail(id: string, lines: number): Promise<string> {
    const found = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.cluster}=${this.opts.cluster}`, `${LABEL.id}=${id}`] },
    });
    const c = found[0];
    if (!c) return '';
    const raw = (await this.docker
      .getContainer(c.Id)
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demuxLogs(Buffer.from(raw)).trimEnd();
  }

  /** CPU % of one core the container `id` uses now (one stats sample), or null when it is not running. */
  async cpuPercent(id: string): Promise<number | null> {
    const c = (await this.list()).find((x) => x.id === id && x.running);
    if (!c) return null;
    const stats = (await this.docker
      .getContainer(c.runtimeId)
      .stats({ stream: false })) as Docker.ContainerStats;
    return cpuPercentFrom(stats);
  }
}

/** A container already stopped or removed (304 / 404 / 409 removal in progress) is not an error here. */
function ignoreGone(err: unknown): void {
  const code = (err as { statusCode?: number }).statusCode;
  if (code === 304 || code === 404 || code === 409) return;
  throw err;
}

/** What a container runs: image, entry point and CMD (undefined = the image's own), environment. */
export interface ContainerRun {
  image: string;
  entrypoint?: string[];
  cmd?: string[];
  env: Record<string, string>;
}

/**
 * What the Docker and swarm runtimes run for `spec`: zonescale's `image` with `<role> <args>` as
 * CMD and the monitor's `PASS_ENV` names (read from `source`) plus the spec's env; or, for an app
 * server whose spec carries a user's service (`isForeignService`), that service's image, its
 * command or args (`serviceCommand`), the spec's env, `serviceEnv` (e.g. the swarm's `HOST`), the
 * service's env and its port (`portEnv`, last: zonescale chose it), without the passed-through
 * names. `command` (tests run tiny servers) replaces entry point and CMD.
 */
export function containerRun(
  spec: ContainerSpec,
  o: {
    image: string;
    source: Record<string, string | undefined>;
    command?: { entrypoint?: string[]; cmd: string[] };
    serviceEnv?: Record<string, string>;
  },
): ContainerRun {
  const service = spec.role === 'app' && isForeignService(spec.service) ? spec.service : undefined;
  const env: Record<string, string> = {};
  // The monitor's own service addresses go to zonescale's roles, not to the user's image.
  if (!service) for (const k of PASS_ENV) if (o.source[k]) env[k] = o.source[k] as string;
  Object.assign(env, spec.env);
  if (service) Object.assign(env, o.serviceEnv, service.env, portEnv(service, spec.port));
  const command = o.command ?? (service ? serviceCommand(service) : undefined);
  return {
    image: service?.image ?? o.image,
    entrypoint: command?.entrypoint,
    cmd: command ? command.cmd : [spec.role, ...spec.args],
    env,
  };
}

/** A user's service as entry point + CMD: `/bin/sh -c <command>`, or `args` as CMD, or the image's own (undefined fields). */
export function serviceCommand(s: {
  command?: string;
  args?: string[];
}): { entrypoint?: string[]; cmd?: string[] } | undefined {
  if (s.command !== undefined) return { entrypoint: ['/bin/sh', '-c'], cmd: [s.command] };
  if (s.args !== undefined) return { cmd: s.args };
  return { cmd: undefined };
}

/**
 * The text of Docker's multiplexed log stream (no TTY): frames of an 8-byte header (stream type,
 * 3 zero bytes, big-endian length) and the payload; a buffer that does not look framed is text.
 */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const type = buf[at];
    if ((type !== 0 && type !== 1 && type !== 2) || buf[at + 1] !== 0) return buf.toString('utf8');
    const len = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + len));
    at += 8 + len;
  }
  return parts.length === 0 ? buf.toString('utf8') : Buffer.concat(parts).toString('utf8');
}
