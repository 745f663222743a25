/**
 * Zones as failure domains on a swarm, as pure functions over the nodes Docker lists: a node
 * belongs to zone `z` when it carries the label `zonescale.zone=z` (one zone a node) or
 * `zonescale.zone.z` (any value; a node serving several zones carries one such label a zone); it
 * is schedulable when its state is `ready` and its availability `active` (`docker node update
 * --availability drain` takes it out). Its routable address is its `zonescale.address` label, else
 * the address the manager sees (`Status.Addr`). `pickNode` spreads a zone's containers over its
 * nodes: the node holding the fewest of the zone's app servers, then the fewest of the cluster's
 * containers, then the lowest id (a balancer prefers a manager node) (`--placement-pref spread=node.id` spreads one service's tasks;
 * here every server is its own service, so the spread is computed across them).
 */
import { ZonescaleError } from '../../shared/errors.ts';
import type { ZoneId } from '../../shared/types.ts';
import type { RuntimeNode } from '../runtime.ts';

/** Node label keys. */
export const NODE_LABEL = {
  /** `zonescale.zone=<zone>`: the node's zone. */
  zone: 'zonescale.zone',
  /** `zonescale.address=<ip>`: the address its servers answer on (default: the swarm's `Status.Addr`). */
  address: 'zonescale.address',
} as const;

/** The parts of a Docker node listing (`GET /nodes`) the placement reads. */
export interface SwarmNodeInfo {
  ID: string;
  Spec?: { Labels?: Record<string, string>; Availability?: string; Role?: string };
  Status?: { State?: string; Addr?: string };
  Description?: { Hostname?: string };
}

/** A zone has no ready, active node labelled for it; 503. The leader records it as an event. */
export class NoSchedulableNode extends ZonescaleError {
  constructor(
    readonly zone: ZoneId,
    labelled: number,
  ) {
    super(
      'no_schedulable_node',
      labelled === 0
        ? `no swarm node is labelled for ${zone} (docker node update --label-add ${NODE_LABEL.zone}=${zone} <node>)`
        : `none of the ${labelled} swarm nodes labelled for ${zone} is ready and active`,
      503,
      { zone, labelled },
    );
  }
}

/** Whether `node` carries a label placing it in `zone`. */
export function inZone(node: SwarmNodeInfo, zone: ZoneId): boolean {
  const labels = node.Spec?.Labels ?? {};
  return labels[NODE_LABEL.zone] === zone || `${NODE_LABEL.zone}.${zone}` in labels;
}

/** Whether the scheduler may place a task on `node` now (ready and active). */
export function schedulable(node: SwarmNodeInfo): boolean {
  return node.Status?.State === 'ready' && (node.Spec?.Availability ?? 'active') === 'active';
}

/** The routable address of `node`: its `zonescale.address` label, else `Status.Addr`, else 127.0.0.1. */
export function nodeAddress(node: SwarmNodeInfo): string {
  return node.Spec?.Labels?.[NODE_LABEL.address] || node.Status?.Addr || '127.0.0.1';
}

/** The swarm constraint that keeps a task of `zone` on nodes labelled for it, in the label form `node` uses. */
export function zoneConstraint(node: SwarmNodeInfo, zone: ZoneId): string {
  return node.Spec?.Labels?.[NODE_LABEL.zone] === zone
    ? `node.labels.${NODE_LABEL.zone}==${zone}`
    : `node.labels.${NODE_LABEL.zone}.${zone}==${node.Spec?.Labels?.[`${NODE_LABEL.zone}.${zone}`]}`;
}

/** Where one held container runs: its zone, node id and role (balancers do not count toward a zone's spread). */
export interface Held {
  zone: ZoneId;
  node?: string;
  role?: string;
}

/**
 * The node the next container of `zone` goes on: among the zone's schedulable nodes, for an app
 * server the one holding the fewest of the zone's app servers, then the fewest containers of all,
 * then the lowest id (so a zone's app servers spread evenly over its nodes, whichever holds its
 * balancer); for a balancer a manager node first (the nodes an operator keeps up, since the swarm
 * itself needs them: the zone's one balancer outlives a worker's loss), then the same order.
 * @throws NoSchedulableNode when the zone has no schedulable node.
 */
export function pickNode(
  nodes: readonly SwarmNodeInfo[],
  held: readonly Held[],
  zone: ZoneId,
  role: 'app' | 'balancer' = 'app',
): RuntimeNode {
  const labelled = nodes.filter((n) => inZone(n, zone));
  const candidates = labelled.filter(schedulable);
  if (candidates.length === 0) throw new NoSchedulableNode(zone, labelled.length);
  const count = (id: string, z?: ZoneId) =>
    held.filter((h) => h.node === id && (z === undefined || (h.zone === z && h.role !== 'balancer'))).length;
  const manager = (n: SwarmNodeInfo) => (role === 'balancer' && n.Spec?.Role === 'manager' ? 0 : 1);
  const best = [...candidates].sort(
    (a, b) =>
      manager(a) - manager(b) ||
      count(a.ID, zone) - count(b.ID, zone) ||
      count(a.ID) - count(b.ID) ||
      (a.ID < b.ID ? -1 : 1),
  )[0] as SwarmNodeInfo;
  return { id: best.ID, address: nodeAddress(best) };
}

/** The zones of `zones` no node is labelled for (a startup warning: the leader cannot place there). */
export function unlabelledZones(nodes: readonly SwarmNodeInfo[], zones: readonly ZoneId[]): ZoneId[] {
  return zones.filter((z) => !nodes.some((n) => inZone(n, z)));
}
