/**
 * A multi-node `ContainerRuntime` fake for the leader's placement suites: the memory runtime plus
 * swarm-like nodes (id, address, zone labels, up or down) and `place`, which applies the swarm
 * runtime's own pure rule (`pickNode`: the zone's schedulable node holding the fewest of its
 * containers). `start` pins a container to `spec.node`; `nodeDown(id)` takes a node away and marks
 * its containers not running, as the swarm runtime lists a task whose node is not ready.
 */

import type { ContainerSpec, RuntimeContainer, RuntimeNode } from '../../server/adapters/runtime.ts';
import { MemoryRuntime } from '../../server/adapters/runtime-memory.ts';
import { pickNode, type SwarmNodeInfo } from '../../server/adapters/swarm/nodes.ts';

/** A fake node: id, address and the zones it is labelled for. */
export interface FakeNode {
  id: string;
  address: string;
  zones: string[];
}

/** See the module comment. */
export class NodeRuntime extends MemoryRuntime {
  private readonly nodeOf = new Map<string, string>();
  private readonly down = new Set<string>();

  constructor(
    private readonly fakeNodes: FakeNode[],
    now?: () => number,
  ) {
    super({ now });
  }

  /** The nodes as Docker would list them. */
  nodes(): SwarmNodeInfo[] {
    return this.fakeNodes.map((n) => ({
      ID: n.id,
      Spec: {
        Availability: 'active',
        Labels: {
          'zonescale.address': n.address,
          ...Object.fromEntries(n.zones.map((z) => [`zonescale.zone.${z}`, 'true'])),
        },
      },
      Status: { State: this.down.has(n.id) ? 'down' : 'ready', Addr: n.address },
    }));
  }

  async place(zone: string, role: 'app' | 'balancer' = 'app'): Promise<RuntimeNode> {
    return pickNode(this.nodes(), await this.list(), zone, role);
  }

  override async start(spec: ContainerSpec): Promise<RuntimeContainer> {
    const node = spec.node ?? (await this.place(spec.zone, spec.role)).id;
    const c = await super.start(spec);
    this.nodeOf.set(spec.id, node);
    return { ...c, node };
  }

  override async list(): Promise<RuntimeContainer[]> {
    return (await super.list()).map((c) => {
      const node = this.nodeOf.get(c.id);
      return { ...c, node, running: c.running && !this.down.has(node ?? '') };
    });
  }

  /** Takes node `id` away: its containers are listed as not running from now on. */
  nodeDown(id: string): void {
    this.down.add(id);
  }
}
