/**
 * The swarm service a `ContainerSpec` becomes, as a pure function: named `zonescale-<cluster>-<id>`
 * like the Docker runtime's containers, one replica, host networking (the `host` network attachment,
 * as `docker service create --network host`), no swarm restarts (`RestartPolicy.Condition: none`:
 * zonescale's own healing is the single owner of replacement), the Docker runtime's labels (role,
 * zone, cluster, id, port) on the service plus `zonescale.node`, placed by two constraints — the
 * zone's node label and the node `place` chose — with the spread preference over `node.id` kept for
 * a spec that names no node. What the task runs (zonescale's image and role, or a user's image with
 * its command, env and port) is the Docker runtime's `containerRun`, so both runtimes run the same.
 */
import type Docker from 'dockerode';
import { type ContainerRun, containerName, LABEL } from '../docker/runtime-docker.ts';
import type { ContainerSpec } from '../runtime.ts';

/** Service label with the node id the service is pinned to. */
export const NODE_ID_LABEL = 'zonescale.node';

/** Seconds swarm gives a task after SIGTERM before it kills it on removal. */
export const SWARM_STOP_GRACE_S = 3;

/** What `serviceSpec` needs beside the container spec. */
export interface ServiceInputs {
  cluster: string;
  /** What the task runs (`containerRun` of the Docker runtime: image, entry point, CMD, env). */
  run: ContainerRun;
  /** Constraints placing it (zone label, node id). */
  constraints: string[];
}

/** The `POST /services/create` body of `spec`; see the module comment. */
export function serviceSpec(spec: ContainerSpec, o: ServiceInputs): Docker.CreateServiceOptions {
  const labels: Record<string, string> = {
    [LABEL.role]: spec.role,
    [LABEL.zone]: spec.zone,
    [LABEL.cluster]: o.cluster,
    [LABEL.id]: spec.id,
    [LABEL.port]: String(spec.port),
  };
  if (spec.node) labels[NODE_ID_LABEL] = spec.node;
  return {
    Name: containerName(o.cluster, spec.id),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: o.run.image,
        Command: o.run.entrypoint,
        Args: o.run.cmd,
        Env: Object.entries(o.run.env).map(([k, v]) => `${k}=${v}`),
        Labels: labels,
        StopGracePeriod: SWARM_STOP_GRACE_S * 1e9,
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: {
        Constraints: o.constraints,
        Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }],
      },
      Networks: [{ Target: 'host' }],
    },
    Mode: { Replicated: { Replicas: 1 } },
  };
}
