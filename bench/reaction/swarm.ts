/**
 * The swarm side of the reaction bench: the swarm of scripts/swarm.sh brought up when it is not
 * there (and taken down again at the end only then: `withSwarm`), the image copied to the second
 * node when it lacks it, and (g) node loss: a cluster with two app servers a zone (zone1 spread over
 * both nodes) whose second engine is stopped with SIGTERM under one request loop through zone1's
 * balancer (`nodeLoss` of test/support/swarm-world.ts, shared with the swarm cluster test); counted
 * are requests that failed or were not answered 200 (target 0: the balancer retries a failed
 * request on another server, the gateway is not in the path), and the time until zone1 is back at
 * two servers, none on the lost node (ms). The node is restarted (`swarm.sh up`) after each loss.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwarmRuntime } from '../../server/adapters/swarm/runtime-swarm.ts';
import type { Cluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { copyImage, NODE2_SOCKET, nodeLoss, sh, startSwarmCluster } from '../../test/support/swarm-world.ts';

/** Whether the manager's engine is in an active swarm with two ready nodes. */
async function twoNodeSwarm(): Promise<boolean> {
  try {
    const nodes = await new SwarmRuntime({ cluster: 'reaction-probe' }).nodes();
    return nodes.filter((n) => n.Status?.State === 'ready').length >= 2 && existsSync(NODE2_SOCKET);
  } catch {
    return false;
  }
}

/**
 * Runs `body` on the two-node swarm: `bash scripts/swarm.sh up` first when the swarm is not there
 * (then `down` afterwards, also on failure), and `image` copied to the second node.
 * @throws Error when the swarm cannot be brought up with two nodes
 */
export async function withSwarm<T>(image: string, body: () => Promise<T>): Promise<T> {
  const ours = !(await twoNodeSwarm());
  try {
    if (ours) await sh('bash scripts/swarm.sh up');
    if (!(await twoNodeSwarm()))
      throw new Error('no two-node swarm (see .cache/services/swarm/node2-error.txt)');
    const has = await fetch(`http://docker/images/${image}/json`, { unix: NODE2_SOCKET })
      .then((r) => r.ok)
      .catch(() => false);
    if (!has) await copyImage(image, NODE2_SOCKET);
    return await body();
  } finally {
    if (ours) await sh('bash scripts/swarm.sh down').catch(() => {});
  }
}

/** One node-loss figure: requests sent, failed (no answer or not 200), and the time back at two replicas (ms, null = never). */
export interface NodeLossFigure {
  sent: number;
  failed: number;
  backMs: number | null;
  lost: string[];
}

/** (e) `reps` node losses on a fresh swarm cluster of `image`, the second node restarted after each. */
export async function measureNodeLoss(reps: number, image: string): Promise<NodeLossFigure[]> {
  const out: NodeLossFigure[] = [];
  for (let i = 0; i < reps; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-node-loss-'));
    const name = `nodeloss${Math.floor(Date.now() / 1000)}`;
    let cluster: Cluster | null = null;
    let stopped = false;
    try {
      cluster = await startSwarmCluster({
        name,
        image,
        dataDir,
        basePort: testBasePort('reaction-bench'),
        token: randomBytes(24).toString('hex'),
        monitorArgs: ['--min-replicas=2'],
      });
      const loss = await nodeLoss(cluster, {
        node2Socket: NODE2_SOCKET,
        replicas: 2,
        onStopped: () => {
          stopped = true;
        },
      });
      const t = loss.traffic;
      const failed = t.errors.length + (t.sent - t.errors.length - (t.statuses[200] ?? 0));
      out.push({ sent: t.sent, failed, backMs: loss.backMs, lost: loss.lost });
      console.log(
        `  [swarm] (g) node loss: ${failed} of ${t.sent} requests failed, zone1 back at 2 replicas in ${loss.backMs === null ? 'never' : `${(loss.backMs / 1000).toFixed(1)} s`} (lost ${loss.lost.join(', ')})`,
      );
    } finally {
      await cluster?.stop().catch(() => {});
      const rt = new SwarmRuntime({ cluster: name });
      for (const c of await rt.list().catch(() => [])) await rt.stop(c.id).catch(() => {});
      if (stopped) await sh('bash scripts/swarm.sh up');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return out;
}
