/**
 * The `ContainerRuntime` on Docker Swarm (dockerode's services API): each app server and balancer is
 * one swarm service of one task (`service-spec.ts`), placed on a node of its zone (`nodes.ts`) that
 * `place` chose, so the leader knows the node and its address before the server starts (the URL it
 * registers and the per-node port). `start` resolves once the task runs, and throws the task's own
 * error (e.g. `No such image` on that node) after removing the service, or gives up early when
 * the node's engine never acknowledges the task (`silentWorker` in `tasks.ts`: the swarm still lists
 * a node ready for a while after its engine is gone), and `place` then passes that node over for
 * `FAILED_NODE_BACKOFF_MS` while its zone has another; `list()` reads the services
 * back by label, so a new leader recovers every server and restarts nothing; a task whose node is
 * not ready counts as not running (the leader then replaces it on a live node of the zone); a
 * drained node's servers keep running until zonescale moves them.
 * `check(zones)` is the start-up check: a swarm manager, and a warning for each zone no node carries.
 */
import type Docker from 'dockerode';
import { BadConfig, ZonescaleError } from '../../shared/errors.ts';
import type { ContainerRole, ZoneId } from '../../shared/types.ts';
import {
  assertContainerId,
  containerRun,
  DEFAULT_IMAGE,
  type DockerRuntimeOptions,
  demuxLogs,
  engineClient,
  LABEL,
} from '../docker/runtime-docker.ts';
import type { ContainerRuntime, ContainerSpec, RuntimeContainer, RuntimeNode } from '../runtime.ts';
import { nodeAddress, pickNode, type SwarmNodeInfo, unlabelledZones, zoneConstraint } from './nodes.ts';
import { NODE_ID_LABEL, serviceSpec } from './service-spec.ts';
import { newest, portAnswers, type TaskInfo, waitRunning } from './tasks.ts';

/** How long `start` waits for the task to run, ms (an image already on the node starts in ~1-3 s). */
export const SWARM_START_TIMEOUT_MS = 30_000;

/**
 * How long a node whose task failed to start (e.g. it lacks the image) or did not run within
 * `startTimeoutMs` (e.g. its engine is gone and the swarm has not noticed yet) is passed over by `place`
 * while the zone has another schedulable node, ms; so one bad node costs one failed start, not one
 * a period.
 */
export const FAILED_NODE_BACKOFF_MS = 5 * 60_000;

/** Options of `SwarmRuntime`: the Docker runtime's (cluster, image every node must hold, a manager's socket, command, env) and the start wait. */
export interface SwarmRuntimeOptions extends DockerRuntimeOptions {
  /** How long `start` waits for the task to run, ms (default `SWARM_START_TIMEOUT_MS`). */
  startTimeoutMs?: number;
  /** How long a task may stay unacknowledged by its node before the node counts as not answering, ms (default `ASSIGNED_SILENCE_MS`). */
  assignedSilenceMs?: number;
}

/** A `ContainerRuntime` of swarm services; see the module comment. */
export class SwarmRuntime implements ContainerRuntime {
  readonly docker: Docker;
  private readonly image: string;
  /** Node id -> epoch ms until which `place` passes it over (a task failed to start there). */
  private readonly failedNodes = new Map<string, number>();

  constructor(private readonly opts: SwarmRuntimeOptions) {
    this.docker = engineClient(opts.socketPath);
    this.image = opts.image ?? DEFAULT_IMAGE;
  }

  /**
   * Start-up check: this engine is a swarm manager; returns one warning a zone of `zones` no node
   * is labelled for (the leader records `NoSchedulableNode` there instead of crashing).
   * @throws BadConfig when the engine does not answer, is not in a swarm or is not a manager.
   */
  async check(zones: readonly ZoneId[]): Promise<string[]> {
    const info = (await this.docker.info().catch((err: Error) => {
      throw new BadConfig(`RUNTIME=swarm: cannot reach the Docker engine (${err.message}); set DOCKER_HOST`);
    })) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
    if (info.Swarm?.LocalNodeState !== 'active')
      throw new BadConfig(
        `RUNTIME=swarm: the Docker engine is not in a swarm (state ${info.Swarm?.LocalNodeState ?? 'unknown'}); run docker swarm init, or see docs/deploy-swarm.md`,
      );
    if (!info.Swarm.ControlAvailable)
      throw new BadConfig(
        'RUNTIME=swarm: the Docker engine is a swarm worker; the monitor needs a manager’s engine',
      );
    return unlabelledZones(await this.nodes(), zones).map(
      (z) => `no swarm node is labelled for ${z} (docker node update --label-add zonescale.zone=${z} <node>)`,
    );
  }

  /** Every node of the swarm. */
  nodes(): Promise<SwarmNodeInfo[]> {
    return this.docker.listNodes() as Promise<SwarmNodeInfo[]>;
  }

  /** The node the next container of `zone` and `role` goes on (`pickNode`). @throws NoSchedulableNode */
  async place(zone: ZoneId, role: ContainerRole = 'app'): Promise<RuntimeNode> {
    return this.pick(await this.nodes(), zone, role);
  }

  /** `pickNode` without the nodes that recently failed a start, unless only those are left. */
  private async pick(nodes: SwarmNodeInfo[], zone: ZoneId, role: ContainerRole): Promise<RuntimeNode> {
    const held = await this.list();
    const now = Date.now();
    const healthy = nodes.filter((n) => (this.failedNodes.get(n.ID) ?? 0) <= now);
    try {
      return pickNode(healthy, held, zone, role);
    } catch {
      return pickNode(nodes, held, zone, role);
    }
  }

  /**
   * Starts `spec` as a service on `spec.node` (else on the node `place` picks), first removing a
   * service already there for the same id; resolves once its task runs.
   * @throws ZonescaleError `bad_container_id` (400), NoSchedulableNode (503), `task_failed` (502,
   *   with the task's error, e.g. no such image on the node), `node_not_answering` (504, the task
   *   stayed unacknowledged by its node for `assignedSilenceMs`: `silentWorker`) or
   *   `task_not_running` (504) after `startTimeoutMs`; the service is removed then, and the last
   *   three make `place` pass the node over.
   */
  async start(spec: ContainerSpec): Promise<RuntimeContainer> {
    assertContainerId(spec.id);
    await this.stop(spec.id);
    const nodes = await this.nodes();
    const nodeId = spec.node ?? (await this.pick(nodes, spec.zone, spec.role)).id;
    const node = nodes.find((n) => n.ID === nodeId);
    if (!node) throw new ZonescaleError('unknown_node', `swarm node ${nodeId} does not exist`, 400);
    const run = containerRun(spec, {
      image: this.image,
      source: this.opts.env ?? process.env,
      command: this.opts.command?.(spec),
      // A user's service listens where the registry will reach it: its node's address.
      serviceEnv: { HOST: nodeAddress(node) },
    });
    const created = await this.docker.createService(
      serviceSpec(
        { ...spec, node: nodeId },
        {
          cluster: this.opts.cluster,
          run,
          constraints: [zoneConstraint(node, spec.zone), `node.id==${nodeId}`],
        },
      ),
    );
    const serviceId = (created as unknown as { id: string }).id;
    try {
      await waitRunning(this.docker, serviceId, spec.id, {
        startTimeoutMs: this.opts.startTimeoutMs ?? SWARM_START_TIMEOUT_MS,
        assignedSilenceMs: this.opts.assignedSilenceMs,
      });
    } catch (err) {
      if (['task_failed', 'task_not_running', 'node_not_answering'].includes((err as ZonescaleError).code))
        this.failedNodes.set(nodeId, Date.now() + FAILED_NODE_BACKOFF_MS);
      await this.stop(spec.id);
      throw err;
    }
    const held = (await this.list()).find((c) => c.id === spec.id);
    if (!held)
      throw new ZonescaleError('task_not_running', `${spec.id}: its service vanished while starting`, 502);
    return held;
  }

  /** Removes every service of this id and resolves once its tasks are gone; unknown id = no-op. */
  async stop(id: string): Promise<void> {
    const found = await this.docker.listServices({
      filters: { label: [`${LABEL.cluster}=${this.opts.cluster}`, `${LABEL.id}=${id}`] },
    });
    if (found.length === 0) return;
    const held = (await this.list()).find((c) => c.id === id);
    for (const s of found) {
      if (!s.ID) continue;
      await this.docker
        .getService(s.ID)
        .remove()
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        });
      // The tasks' containers stop after the service is removed (the manager may drop the tasks
      // first); wait until they are gone and the port no longer answers, so it is free again, except
      // on a node that is not ready or is passed over (a lost node: nothing there answers anyway).
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const now = Date.now();
        const node = (await this.nodes()).find((n) => n.ID === held?.node);
        if (node?.Status?.State !== 'ready' || (this.failedNodes.get(node.ID) ?? 0) > now) break;
        const tasks = (await this.docker
          .listTasks({ filters: { service: [s.ID] } })
          .catch(() => [])) as TaskInfo[];
        if (tasks.length === 0 && !(held?.address && (await portAnswers(held.address, held.port)))) break;
        await Bun.sleep(200);
      }
    }
  }

  /** The last `lines` lines of the service's output (`docker service logs`; '' for an unknown id). */
  async logTail(id: string, lines: number): Promise<string> {
    const found = await this.docker.listServices({
      filters: { label: [`${LABEL.cluster}=${this.opts.cluster}`, `${LABEL.id}=${id}`] },
    });
    const s = found[0];
    if (!s?.ID) return '';
    const raw = (await this.docker
      .getService(s.ID)
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demuxLogs(Buffer.from(raw)).trimEnd();
  }

  /** Every service of this cluster, from its labels and its newest task, oldest first. */
  async list(): Promise<RuntimeContainer[]> {
    const services = await this.docker.listServices({
      filters: { label: [`${LABEL.cluster}=${this.opts.cluster}`] },
    });
    if (services.length === 0) return [];
    const ids = services.map((s) => s.ID as string);
    const [tasks, nodes] = await Promise.all([
      this.docker.listTasks({ filters: { service: ids } }) as Promise<TaskInfo[]>,
      this.nodes(),
    ]);
    const nodeById = new Map(nodes.map((n) => [n.ID, n]));
    return services
      .map((s) => {
        const labels = s.Spec?.Labels ?? {};
        const task = newest(tasks.filter((t) => t.ServiceID === s.ID));
        const nodeId = task?.NodeID || labels[NODE_ID_LABEL] || undefined;
        const node = nodeId ? nodeById.get(nodeId) : undefined;
        const running = task?.Status?.State === 'running' && node?.Status?.State === 'ready';
        return {
          id: labels[LABEL.id] ?? s.Spec?.Name ?? (s.ID as string),
          role: (labels[LABEL.role] ?? 'app') as ContainerRole,
          zone: (labels[LABEL.zone] ?? '') as ZoneId,
          port: Number(labels[LABEL.port] ?? 0),
          runtimeId: task?.Status?.ContainerStatus?.ContainerID || (s.ID as string),
          running,
          startedAt: Date.parse(s.CreatedAt ?? '') || 0,
          node: nodeId,
          address: node ? nodeAddress(node) : undefined,
        };
      })
      .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
  }
}
